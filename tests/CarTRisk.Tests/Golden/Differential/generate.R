# Differential reference for issue 9: random tied data sets, R's values field by field.
# Run offline (R >= 4.2, survival 3.5-3, cmprsk 2.2-11):
#   Rscript tests/CarTRisk.Tests/Golden/Differential/generate.R tests/CarTRisk.Tests/Golden/Differential
# Writes sets.csv (the data) and expected.csv (set, call, field, index, value; %.17g, NA for R's NA).
suppressMessages({library(survival); library(cmprsk)})
args <- commandArgs(TRUE); out <- if (length(args)) args[1] else "."
set.seed(20261125)
nsets <- 400
rows <- list(); exp <- list()
fmt <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))
put <- function(set, call, field, v) {
  if (length(v) == 0) return()
  exp[[length(exp) + 1]] <<- data.frame(set = set, call = call, field = field, index = seq_along(v) - 1, value = fmt(as.numeric(v)))
}
for (s in 1:nsets) {
  n <- sample(1:60, 1)
  ng <- sample(1:4, 1); nc <- sample(1:3, 1)
  kind <- sample(c("int", "near", "real"), 1, prob = c(.4, .4, .2))
  base <- sample(0:25, n, replace = TRUE)
  t <- switch(kind,
    int = as.numeric(base),
    near = ifelse(runif(n) < .5, base / 30.4375 * 30.4375, (base * 0.1) + 0.2 - 0.2 + (runif(n) < .3) * 1e-12),
    real = round(rexp(n, 0.1), 2))
  if (kind == "near") t <- ifelse(runif(n) < .3, (base %/% 3) * 0.1 + 0.2, t)   # 0.1 + 0.2 vs 0.3 style ties
  cause <- sample(0:nc, n, replace = TRUE, prob = c(.35, rep(.65 / nc, nc)))
  g <- sample(letters[1:ng], n, replace = TRUE)
  delayed <- runif(1) < 0.25 && n >= 3 && kind != "near"
  entry <- if (delayed) pmax(0, t - sample(c(1, 2, 5, 10), n, replace = TRUE)) * (runif(n) < .5) else rep(0, n)
  if (delayed) entry <- ifelse(entry >= t, 0, entry)
  if (delayed && any(t <= 0)) { t <- t + 0.5 }
  rows[[s]] <- data.frame(set = s, entry = fmt(entry), time = fmt(t), cause = cause, group = g, delayed = as.integer(delayed))
  ev <- cause > 0
  # Kaplan-Meier (any cause = event), log and log-log intervals, survfit defaults (timefix = TRUE)
  for (ct in c("log", "log-log")) {
    f <- if (delayed) survfit(Surv(entry, t, ev) ~ 1, conf.type = ct) else survfit(Surv(t, ev) ~ 1, conf.type = ct)
    tag <- paste0("km_", ct)
    put(s, tag, "time", f$time); put(s, tag, "n.risk", f$n.risk); put(s, tag, "n.event", f$n.event)
    put(s, tag, "surv", f$surv); put(s, tag, "std.err", f$std.err); put(s, tag, "lower", f$lower); put(s, tag, "upper", f$upper)
    if (!delayed) {
      q <- quantile(f, c(.25, .5, .75))
      put(s, tag, "q.est", q$quantile); put(s, tag, "q.lower", q$lower); put(s, tag, "q.upper", q$upper)
    }
  }
  # Nelson-Aalen (survfit ctype = 1)
  f <- if (delayed) survfit(Surv(entry, t, ev) ~ 1, ctype = 1) else survfit(Surv(t, ev) ~ 1, ctype = 1)
  put(s, "na", "time", f$time); put(s, "na", "cumhaz", f$cumhaz); put(s, "na", "std.chaz", f$std.chaz)
  # Aalen-Johansen (survfit multi-state, timefix = TRUE): pstate and std.err of every state
  if (any(ev)) {
    fc <- factor(cause, 0:max(cause))
    id <- seq_len(n)
    f <- if (delayed) survfit(Surv(entry, t, fc) ~ 1, id = id) else survfit(Surv(t, fc) ~ 1)
    put(s, "aj", "time", f$time)
    for (k in 1:ncol(f$pstate)) { put(s, "aj", paste0("pstate", k - 1), f$pstate[, k]); put(s, "aj", paste0("std.err", k - 1), f$std.err[, k]) }
    if (!delayed) {
      # cmprsk::cuminc (exact times) for cause 1 when it occurs
      if (any(cause == 1)) {
        ci <- cuminc(t, cause, cencode = 0)
        z <- ci[[which(names(ci) == "1 1")]]
        put(s, "cuminc1", "time", z$time); put(s, "cuminc1", "est", z$est); put(s, "cuminc1", "var", z$var)
      }
    }
  }
  if (!delayed && length(unique(g)) >= 2) {
    sd <- survdiff(Surv(t, ev) ~ g)
    put(s, "survdiff", "chisq", sd$chisq); put(s, "survdiff", "obs", sd$obs); put(s, "survdiff", "exp", sd$exp)
    if (any(cause == 1)) {
      gt <- cuminc(t, cause, g, cencode = 0)$Tests
      put(s, "gray1", "stat", gt["1", "stat"]); put(s, "gray1", "pv", gt["1", "pv"])
    }
  }
}
write.csv(do.call(rbind, rows), file.path(out, "sets.csv"), row.names = FALSE, quote = FALSE)
write.csv(do.call(rbind, exp), file.path(out, "expected.csv"), row.names = FALSE, quote = FALSE)
cat("R", R.version.string, "survival", as.character(packageVersion("survival")), "cmprsk", as.character(packageVersion("cmprsk")), "\n")
