# Differential cases for MultiState.AalenJohansen against survfit (R 4.2.2, survival 3.5-3):
#   Rscript generate.R  ->  ms_diff.json
# Random illness-death-like paths with tied integer times, some subjects entering late, optional initial states
# (istate) and case weights (constant within a subject).
suppressMessages({library(survival); library(jsonlite)})
set.seed(20261207)
cases <- list()
for (k in 1:40) {
  m <- sample(c(10, 25, 60), 1)
  states <- c("a", "b", "c")
  rows <- list()
  for (i in 1:m) {
    t <- if (k %% 5 == 0 && runif(1) < 0.3) sample(1:5, 1) else 0
    s0 <- sample(c("a", "b"), 1, prob = c(0.8, 0.2))
    cur <- s0
    for (step in 1:3) {
      len <- sample(1:20, 1)
      to <- if (cur == "c") "censor" else sample(c("censor", setdiff(states, cur)), 1, prob = c(0.4, 0.3, 0.3))
      rows[[length(rows) + 1]] <- data.frame(id = paste0("S", i), start = t, stop = t + len, to = to, istate = cur,
                                             w = NA, first = s0, stringsAsFactors = FALSE)
      t <- t + len
      if (to == "censor") break
      cur <- to
    }
  }
  d <- do.call(rbind, rows)
  wts <- round(runif(m, 0.5, 2), 1); names(wts) <- paste0("S", 1:m)
  d$w <- wts[d$id]
  use_istate <- k %% 2 == 0
  use_w <- k %% 3 == 0
  S <- sort(unique(c(d$to[d$to != "censor"], if (use_istate) d$istate)))
  args <- list(formula = Surv(start, stop, factor(to, levels = c("censor", S))) ~ 1, data = d, id = d$id)
  if (use_istate) args$istate <- factor(d$istate, levels = S)
  if (use_w) args$weights <- d$w
  fit <- do.call(survfit, args)
  sm <- summary(fit, times = c(5, 15, 30), extend = TRUE)
  cases[[k]] <- list(id = d$id, start = d$start, stop = d$stop, to = d$to, istate = d$istate, w = d$w,
    use_istate = use_istate, use_w = use_w, states = fit$states, time = fit$time,
    pstate = c(t(fit$pstate)), std_err = c(t(fit$std.err)), n_risk = c(t(fit$n.risk)), cumhaz = c(t(fit$cumhaz)),
    s_time = sm$time, s_pstate = c(t(sm$pstate)), s_std_err = c(t(sm$std.err)), s_n_risk = c(t(sm$n.risk)))
}
writeLines(toJSON(list(generator = "tests/CarTRisk.Tests/Golden/Round3/MultiStateDiff/generate.R", cases = cases),
  digits = NA, auto_unbox = FALSE, na = "null"), "ms_diff.json")
