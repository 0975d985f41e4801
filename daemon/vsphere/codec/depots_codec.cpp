#include "daemon/vsphere/codec/depots_codec.hpp"
