/* Everything of collectd's C API that the python plugin uses. */
#include "collectd/core/daemon/plugin.h"
#include "collectd/core/daemon/configfile.h"
#include "collectd/core/daemon/utils_time.h"
#include "collectd/core/utils/metadata/meta_data.h"
#include "collectd/liboconfig/oconfig.h"
