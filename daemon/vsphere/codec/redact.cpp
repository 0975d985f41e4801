#include "daemon/vsphere/codec/redact.hpp"
