-- POST /time-entries/ : a finished 10-minute entry with a project code, in 2026 (empty in the
-- data set). Each thread writes for its own clients, one 15-minute slot after another.
-- BENCH_DAY_OFFSET (days) moves the slots, so repeated runs (compare.sh's rounds) never overlap.
package.path = os.getenv("BENCH_DIR") .. "/wrk/?.lua;" .. package.path
local common = require("common")
local next_id = 0
local offset = tonumber(os.getenv("BENCH_DAY_OFFSET") or "0") * 86400

setup = function(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

init = function(args)
  mine = common.share(common.lines(os.getenv("BENCH_RESULTS") .. "/tokens.txt"), id, tonumber(os.getenv("BENCH_THREADS")))
  sent = 0
end

request = function()
  local token = mine[(sent % #mine) + 1]
  local start = common.base_2026 + offset + math.floor(sent / #mine) * 900
  sent = sent + 1
  local body = string.format(
    '{"start_utc":"%s","end_utc":"%s","project_code":"BENCH01","activity":"Benchmark"}',
    common.iso(start), common.iso(start + 600))
  return wrk.format("POST", "/api/v1/time-entries/",
    { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }, body)
end

done = common.done
