#include "daemon/vsphere/codec/error_codec.hpp"
