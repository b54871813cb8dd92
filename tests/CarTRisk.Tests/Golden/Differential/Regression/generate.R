# Differential reference for the regressions (issue 11): random tied data sets, coxph and crr to full convergence.
# Rscript tests/CarTRisk.Tests/Golden/Differential/Regression/generate.R tests/CarTRisk.Tests/Golden/Differential/Regression
suppressMessages({library(survival); library(cmprsk)})
args <- commandArgs(TRUE); out <- if (length(args)) args[1] else "."
set.seed(20261126)
ctl <- coxph.control(eps = 1e-12, iter.max = 100, toler.chol = .Machine$double.eps^0.75)
fmt <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))
rows <- list(); exp <- list()
put <- function(set, call, field, v) exp[[length(exp) + 1]] <<- data.frame(set = set, call = call, field = field, index = seq_along(v) - 1, value = fmt(as.numeric(v)))
s <- 0
while (s < 60) {
  n <- sample(30:120, 1)
  t <- sample(1:25, n, replace = TRUE) * sample(c(1, 1, 7), 1)
  cause <- sample(0:2, n, replace = TRUE, prob = c(.3, .35, .35))
  x1 <- round(rnorm(n), 2); x2 <- sample(0:1, n, replace = TRUE); x3 <- sample(c("a", "b", "c"), n, replace = TRUE)
  w <- sample(1:3, n, replace = TRUE); st <- sample(c("s1", "s2"), n, replace = TRUE); cl <- sample(sprintf("c%02d", 1:8), n, replace = TRUE)
  entry <- ifelse(runif(n) < .4, pmax(0, t - sample(1:5, n, replace = TRUE)), 0); entry <- ifelse(entry >= t, 0, entry)
  ok <- TRUE
  fits <- list()
  for (ties in c("efron", "breslow")) {
    f <- tryCatch(coxph(Surv(t, cause == 1) ~ x1 + x2 + x3, ties = ties, control = ctl), warning = function(w) NULL, error = function(e) NULL)
    if (is.null(f)) { ok <- FALSE; break }
    fits[[ties]] <- f
  }
  fw <- tryCatch(coxph(Surv(entry, t, cause == 1) ~ x1 + x2 + x3 + strata(st) + cluster(cl), weights = w, control = ctl), warning = function(w) NULL, error = function(e) NULL)
  fg <- tryCatch(crr(t, cause, cbind(x1, x2), failcode = 1, cencode = 0, gtol = 1e-12, maxiter = 100), warning = function(w) NULL, error = function(e) NULL)
  if (!ok || is.null(fw) || is.null(fg) || !fg$converged) next
  s <- s + 1
  rows[[s]] <- data.frame(set = s, t = t, cause = cause, x1 = fmt(x1), x2 = x2, x3 = x3, w = w, st = st, cl = cl, entry = fmt(entry))
  for (ties in names(fits)) {
    f <- fits[[ties]]
    put(s, ties, "coef", coef(f)); put(s, ties, "var", f$var); put(s, ties, "loglik", f$loglik); put(s, ties, "score", f$score)
  }
  put(s, "weighted", "coef", coef(fw)); put(s, "weighted", "var", fw$var); put(s, "weighted", "naive", fw$naive.var); put(s, "weighted", "loglik", fw$loglik)
  put(s, "crr", "coef", fg$coef); put(s, "crr", "var", fg$var); put(s, "crr", "loglik", fg$loglik)
}
write.csv(do.call(rbind, rows), file.path(out, "sets.csv"), row.names = FALSE, quote = FALSE)
write.csv(do.call(rbind, exp), file.path(out, "expected.csv"), row.names = FALSE, quote = FALSE)
