#include "daemon/vsphere/codec/deployment_codec.hpp"
