#include "daemon/vsphere/codec/tasks_codec.hpp"
