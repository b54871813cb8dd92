# Issue 27: Fine-Gray fits against cmprsk::crr at tight control on seeded random tied data sets.
#   Rscript finegray.R   (writes finegray.csv: data and crr's coef and log pseudo-likelihood)
suppressPackageStartupMessages(library(cmprsk))
set.seed(2712)
fmt <- function(v) paste(trimws(formatC(as.numeric(v), digits = 17, format = "g")), collapse = ";")
rows <- list()
for (id in 1:150) {
  n <- sample(8:300, 1)
  x1 <- round(rnorm(n), 2); x2 <- rbinom(n, 1, 0.5)
  t <- ceiling(rexp(n, exp(0.4 * x1 - 0.5 * x2) / 60))
  cause <- sample(0:2, n, replace = TRUE, prob = c(runif(1, 0.1, 0.6), runif(1, 0.2, 0.5), runif(1, 0.1, 0.4)))
  if (sum(cause == 1) < 2) cause[1:2] <- 1
  f <- tryCatch(crr(t, cause, cbind(x1, x2), failcode = 1, cencode = 0, gtol = 1e-12, maxiter = 100), error = function(e) NULL)
  if (is.null(f)) next
  rows[[length(rows) + 1]] <- data.frame(id = id, t = fmt(t), cause = paste(cause, collapse = ";"), x1 = fmt(x1),
    x2 = paste(x2, collapse = ";"), b1 = fmt(f$coef[1]), b2 = fmt(f$coef[2]), loglik = fmt(f$loglik), converged = as.integer(f$converged))
}
write.csv(do.call(rbind, rows), "finegray.csv", row.names = FALSE, quote = TRUE)
