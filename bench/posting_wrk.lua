-- wrk script for bench/posting.py: POST repayments of 100.00 with a unique reference and
-- Idempotency-Key to random loans. Arguments: the value date, the Authorization header, then
-- the loan ids.
local counter = 0
local next_thread = 0
local day, auth, loans

function setup(thread)
  thread:set("tag", next_thread)
  next_thread = next_thread + 1
end

function init(args)
  day = args[1]
  auth = args[2]
  loans = {}
  for i = 3, #args do loans[#loans + 1] = args[i] end
  math.randomseed(tag + 1)
end

function request()
  counter = counter + 1
  local reference = string.format("W%09d-%d", counter, tag)  -- in the order posted (one thread)
  local body = '{"amount":"100.00","value_date":"' .. day .. '","reference":"' .. reference ..
    '","channel":"upi"}'
  local loan = loans[math.random(#loans)]
  return wrk.format("POST", "/api/v1/loans/" .. loan .. "/repayments",
    {["Content-Type"] = "application/json", ["Idempotency-Key"] = reference,
     ["Authorization"] = auth}, body)
end
