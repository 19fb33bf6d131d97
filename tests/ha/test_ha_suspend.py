"""ha_suspend (issue 8): the checks of a virtual server run only while
this node holds its address.  A lone hanx node in a namespace starts as
BACKUP, so the MISC_CHECK of a virtual server on the VIP must not run;
once the node becomes MASTER and adds the VIP the checks resume, and
when it hands the VIP over (stopping) they are paused again.
"""

import os
import stat
import time

from conftest import VIP, instance, wait_for


def test_checks_wait_for_the_vip(nodes):

    def script(tmp):
        path = os.path.join(tmp, "check.sh")
        with open(path, "w") as f:
            f.write("#!/bin/sh\ntouch %s/ran\nexit 0\n" % tmp)
        os.chmod(path, stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP
                 | stat.S_IROTH | stat.S_IXOTH)
        return path

    node = nodes.add("hanx", 0, [instance(state="BACKUP", priority=100)])
    marker_dir = node.dir
    vs = ("virtual_server %s 6201 { delay_loop 0.2; ha_suspend; "
          "real_server %s 9 { MISC_CHECK { misc_path %s; } } }"
          % (VIP, VIP, script(marker_dir)))
    node.write([instance(state="BACKUP", priority=100)], ha_extra=[vs])
    node.start()

    assert wait_for(lambda: "checks of VS [%s]:tcp:6201 suspended" % VIP
                    in node.log(), 5), node.log()
    # still BACKUP (the down interval is over 3 s): nothing ran
    time.sleep(0.5)
    assert not node.has_vip()
    assert not os.path.exists(os.path.join(marker_dir, "ran"))

    # alone on the segment it becomes MASTER after the down interval
    assert wait_for(node.has_vip, 8), node.log()
    assert wait_for(lambda: "checks of VS [%s]:tcp:6201 resumed" % VIP
                    in node.log(), 3), node.log()
    assert wait_for(lambda: os.path.exists(os.path.join(marker_dir, "ran")),
                    3), node.log()
