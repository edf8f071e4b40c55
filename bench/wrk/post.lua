-- POSTs one fixed body with fixed headers, all given by the bench in the environment:
--   BENCH_BODY      path of the body file
--   BENCH_HEADERS   "Name: value" lines (signatures are precomputed: the body never changes)
--   BENCH_UNIQUE_ID header to fill with a fresh delivery id per request (dedup, queue)
--   BENCH_RUN_ID    nonce of this run: ids must never repeat across runs, or a dedup
--                   scenario would measure duplicate short-circuits instead of deliveries
--   BENCH_RANDOM_IP send a random CF-Connecting-IP per request (the flood's forgers)
--   BENCH_COPY_EVERY with BENCH_UNIQUE_ID: every Nth request is a copy of one this thread
--                   sent COPY_LAG requests earlier (long delivered, so a duplicate, not in flight)
local f = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
for line in string.gmatch(os.getenv("BENCH_HEADERS") or "", "[^\n]+") do
  local name, value = line:match("^([^:]+):%s*(.*)$")
  if name then wrk.headers[name] = value end
end

local unique = os.getenv("BENCH_UNIQUE_ID")
local run_id = os.getenv("BENCH_RUN_ID") or "run"
local random_ip = os.getenv("BENCH_RANDOM_IP")
local copy_every = tonumber(os.getenv("BENCH_COPY_EVERY") or "")
local COPY_LAG = 200
local threads = 0
local counter = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init()
  math.randomseed(os.time() + (tid or 0))
end

-- Only defined when something varies: without request(), wrk sends one pre-built request
-- over and over, which keeps the load generator's own cost (it shares the 2 cores) minimal.
if unique or random_ip then
  function request()
    counter = counter + 1
    local n = counter
    if copy_every and counter % copy_every == 0 and counter > COPY_LAG then n = counter - COPY_LAG - 1 end -- (counter - COPY_LAG would itself be a copy, its id never sent)
    if unique then wrk.headers[unique] = string.format("%s-%d-%d", run_id, tid or 0, n) end
    -- 2001:db8::/32 is the documentation range: a header value only, traffic stays on 127.0.0.1
    if random_ip then
      wrk.headers["CF-Connecting-IP"] = string.format("2001:db8:%x:%x::%x", math.random(0, 65535), math.random(0, 65535), math.random(1, 65535))
    end
    return wrk.format()
  end
end
