#include "daemon/vsphere/codec/session_codec.hpp"
