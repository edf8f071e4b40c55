-- POSTs the body file with the headers given in the environment, optionally with a
-- per-request unique delivery id (for dedup scenarios) and a client IP.
local body_file = os.getenv("BENCH_BODY")
local f = assert(io.open(body_file, "rb"))
wrk.body = f:read("*a")
f:close()
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
for pair in string.gmatch(os.getenv("BENCH_HEADERS") or "", "[^\n]+") do
  local name, value = pair:match("^([^:]+):%s*(.*)$")
  if name then wrk.headers[name] = value end
end
local unique = os.getenv("BENCH_UNIQUE_ID")
local random_ip = os.getenv("BENCH_RANDOM_IP")
local counter = 0
local thread_id = 0

function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
end

function request()
  counter = counter + 1
  if unique then wrk.headers[unique] = string.format("%d-%d-%d", tid or 0, counter, math.random(1, 1e9)) end
  -- documentation range (RFC 3849): only a header value, no traffic goes anywhere but 127.0.0.1
  if random_ip then wrk.headers["CF-Connecting-IP"] = string.format("2001:db8:%x:%x::%x", math.random(0, 65535), math.random(0, 65535), math.random(1, 65535)) end
  return wrk.format()
end
