#!/bin/sh
# citus-setup (compose.cluster.yaml): register the coordinator and every worker, and the password
# nodes use to reach each other as the application's role. Safe to run again.
set -eu
coordinator() { psql -v ON_ERROR_STOP=1 -h citus-coordinator -U postgres -d kabinet -qAtc "$1"; }

coordinator "SELECT citus_set_coordinator_host('citus-coordinator', 5432)"
coordinator "INSERT INTO pg_dist_authinfo (nodeid, rolename, authinfo)
             VALUES (0, 'kabinet', 'password=$KABINET_DB_PASSWORD')
             ON CONFLICT (nodeid, rolename) DO UPDATE SET authinfo = EXCLUDED.authinfo"
for worker in $CITUS_WORKERS; do
  if [ -z "$(coordinator "SELECT 1 FROM pg_dist_node WHERE nodename = '$worker'")" ]; then
    coordinator "SELECT citus_add_node('$worker', 5432)"
  fi
done
coordinator "SELECT nodename, nodeport, noderole FROM pg_dist_node ORDER BY nodeid"
