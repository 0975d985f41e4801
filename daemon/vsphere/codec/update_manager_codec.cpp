#include "daemon/vsphere/codec/update_manager_codec.hpp"
