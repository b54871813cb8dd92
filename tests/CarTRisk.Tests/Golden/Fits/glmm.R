# Issue 27: the binomial-normal GLMM against metafor::rma.glmm(measure = "PLO") (lme4 glmer, nAGQ = 7) on seeded
# random data sets. rma.glmm's optimiser stops about 1e-5 short of the optimum, so the test compares likelihoods:
# CarTRisk's must be at least the quadrature likelihood at R's estimate.   Rscript glmm.R   (writes glmm.csv)
suppressPackageStartupMessages(library(metafor))
set.seed(4127)
fmt <- function(v) paste(trimws(formatC(as.numeric(v), digits = 17, format = "g")), collapse = ";")
rows <- list()
for (id in 1:60) {
  k <- sample(3:25, 1)
  ni <- sample(c(5:60, 200, 1000), k, replace = TRUE)
  xi <- rbinom(k, ni, plogis(rnorm(k, qlogis(runif(1, 0.02, 0.4)), runif(1, 0, 1.5))))
  if (sum(xi) == 0) xi[1] <- 1
  f <- tryCatch(suppressWarnings(rma.glmm(measure = "PLO", xi = xi, ni = ni)), error = function(e) NULL)
  if (is.null(f)) next
  rows[[length(rows) + 1]] <- data.frame(id = id, xi = paste(xi, collapse = ";"), ni = paste(ni, collapse = ";"),
    beta = fmt(f$beta[1]), tau2 = fmt(f$tau2))
}
write.csv(do.call(rbind, rows), "glmm.csv", row.names = FALSE, quote = TRUE)
