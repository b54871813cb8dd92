# tau^2 estimators beyond REML and DL, metafor 3.8-1 with tight control, on the shared pritz1997 and nielweise2007 data.
#   Rscript tests/CarTRisk.Tests/Golden/Extra/meta/estimators.R > tests/CarTRisk.Tests/Golden/Extra/meta/estimators.csv
suppressMessages(library(metafor))
sets <- list(
  pritz = list(xi = c(16, 10, 4, 43, 10, 25, 13, 12, 22, 4, 5, 18, 58, 6), ni = c(17, 12, 8, 58, 10, 42, 14, 12, 41, 5, 6, 23, 68, 10)))
cat("set,measure,method,estimate,se,tau2,ci_lb,ci_ub\n")
for (s in names(sets)) for (m in c("PLO", "PAS", "PR")) for (meth in c("ML", "PM", "SJ", "HS", "HE", "EB")) {
  d <- sets[[s]]
  vi <- escalc(m, xi = d$xi, ni = d$ni)$vi
  f <- tryCatch(rma(measure = m, xi = d$xi, ni = d$ni, method = meth, control = list(threshold = 1e-15 * mean(vi), maxiter = 1e5, tol = 1e-17 * mean(vi), stepadj = 0.5)), error = function(e) NULL)
  if (is.null(f)) next   # Fisher scoring did not converge even with step halving: no golden value
  cat(sprintf("%s,%s,%s,%.17g,%.17g,%.17g,%.17g,%.17g\n", s, m, meth, f$beta, f$se, f$tau2, f$ci.lb, f$ci.ub))
}
