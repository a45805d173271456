-- A seed for math.random from the kernel, for the wrk scripts that write. A seed from the
-- clock (seconds plus microseconds of CPU time) can come out equal for wrk processes
-- started seconds apart: one that did sent an earlier scenario's readers' ratings again,
-- answered 200 (replaced), not as new rows, and the soak's check of acknowledged against
-- written ratings counted them as lost.
-- Loaded with dofile by the scripts beside it.
return function()
  local urandom = assert(io.open("/dev/urandom", "rb"))
  local a, b, c = urandom:read(3):byte(1, 3)
  urandom:close()
  return (a * 256 + b) * 256 + c
end
