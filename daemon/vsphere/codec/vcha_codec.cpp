#include "daemon/vsphere/codec/vcha_codec.hpp"
