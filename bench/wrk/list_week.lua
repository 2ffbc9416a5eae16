-- GET /time-entries/?from=&to= : one random week of 2025 for a random client, page of 50.
package.path = os.getenv("BENCH_DIR") .. "/wrk/?.lua;" .. package.path
local common = require("common")
local tokens = common.lines(os.getenv("BENCH_RESULTS") .. "/tokens.txt")

request = function()
  local token = tokens[math.random(#tokens)]
  local from = common.base_2025 + math.random(0, 48) * 7 * 86400
  local path = "/api/v1/time-entries/?from=" .. common.iso(from) .. "&to=" .. common.iso(from + 7 * 86400)
    .. "&page_size=50"
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
end

done = common.done
