#include "daemon/vsphere/codec/appliance_codec.hpp"
