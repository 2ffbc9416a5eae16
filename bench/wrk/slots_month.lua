-- GET /slots/?service=&staff=&from=&to= : a 31-day window of one staff member who has 200
-- appointments in it (bench/prepare_slots.py), for a random prepared customer.
package.path = os.getenv("BENCH_DIR") .. "/wrk/?.lua;" .. package.path
local common = require("common")
local clients = {}
for _, row in ipairs(common.lines(os.getenv("BENCH_RESULTS") .. "/slots.txt")) do
  local token, service, staff, from, to = row:match("^(%S+) (%S+) (%S+) (%S+) (%S+)$")
  clients[#clients + 1] = { token = token, service = service, staff = staff, from = from, to = to }
end

request = function()
  local c = clients[math.random(#clients)]
  local path = "/api/v1/slots/?service=" .. c.service .. "&staff=" .. c.staff .. "&from=" .. c.from
    .. "&to=" .. c.to .. "&timezone=Europe/Berlin"
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. c.token })
end

done = common.done
