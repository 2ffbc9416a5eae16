-- Reference points for reading the other figures: BENCH_PATH (default /healthz, which touches
-- nothing) with the first client's token, so /api/v1/auth/me/ measures auth plus one query.
package.path = os.getenv("BENCH_DIR") .. "/wrk/?.lua;" .. package.path
local common = require("common")
local token = common.lines(os.getenv("BENCH_RESULTS") .. "/tokens.txt")[1]
local path = os.getenv("BENCH_PATH") or "/healthz"

request = function()
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
end

done = common.done
