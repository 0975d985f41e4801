#include "daemon/vsphere/codec/vm_codec.hpp"
