# Issue 27's differential test of the iterative fits: seeded random data sets, R's values at tight control.
#   Rscript generate.R   (survival, metafor; writes onset.csv, meta.csv, cox.csv)
# Each row carries its data (onset: on the first family's row of its set) (';'-separated) and R's result; the C# test refits and compares field by field.
suppressPackageStartupMessages({ library(survival); library(metafor) })
set.seed(20261207)
fmt <- function(v) if (length(v) == 1 && is.na(v)) "NA" else paste(trimws(formatC(as.numeric(v), digits = 17, format = "g")), collapse = ";")

# --- onset families: survreg(Surv(t, e) ~ 1, dist) to full convergence -------------------------------------------
rows <- list()
for (id in 1:300) {
  shape <- sample(c("small", "cart", "tied", "wide"), 1)
  n <- switch(shape, small = sample(3:12, 1), cart = sample(100:600, 1), tied = sample(10:200, 1), wide = sample(10:400, 1))
  if (shape == "cart") {                       # few events early, most censored at administrative follow-up
    t <- ceiling(runif(n, 30, 3000)); e <- rep(0, n)
    k <- max(2, rbinom(1, n, 0.03)); idx <- sample(n, k)
    t[idx] <- ceiling(rweibull(k, shape = runif(1, 0.4, 2), scale = runif(1, 100, 800))); e[idx] <- 1
  } else if (shape == "tied") {
    t <- sample(c(30, 60, 90, 120, 180, 270, 300, 365), n, replace = TRUE); e <- rbinom(n, 1, runif(1, 0.1, 0.9))
  } else {
    t <- ceiling(rlnorm(n, runif(1, 2, 7), runif(1, 0.2, 2.5))); e <- rbinom(n, 1, runif(1, 0.05, 1))
  }
  if (sum(e) < 1) e[1] <- 1
  if (length(unique(t[e == 1])) < 2 && all(e == 1)) { t[1] <- t[1] + 1 }
  for (dist in c("weibull", "lognormal", "loglogistic", "exponential")) {
    ctl <- survreg.control(rel.tolerance = 1e-13, iter.max = 500)
    fitsr <- function(init = NULL) tryCatch(suppressWarnings(survreg(Surv(t, e) ~ 1, dist = dist, init = init, control = ctl)),
                                           error = function(err) NULL)
    f <- fitsr()
    # survreg stops on the relative change of the log-likelihood, a few 1e-9 short in the parameters: polish with one
    # more run started at its estimate; where it failed (NaN steps, log-likelihood Inf), restart from the exponential fit.
    if (is.null(f) || !is.finite(f$loglik[2])) f <- fitsr(if (dist == "exponential") log(sum(t) / sum(e)) else c(log(sum(t) / sum(e)), 0))
    if (!is.null(f) && is.finite(f$loglik[2])) {
      f2 <- fitsr(if (dist == "exponential") coef(f) else c(coef(f), log(f$scale)))
      if (!is.null(f2) && is.finite(f2$loglik[2]) && f2$loglik[2] >= f$loglik[2]) f <- f2
    }
    if (is.null(f)) next
    conv <- as.integer(f$iter < 500)
    ls <- if (dist == "exponential") 0 else log(f$scale)
    rows[[length(rows) + 1]] <- data.frame(id = id, dist = dist, t = if (dist == "weibull") fmt(t) else "", e = if (dist == "weibull") paste(e, collapse = ";") else "",
      intercept = fmt(coef(f)), logscale = fmt(ls), loglik = fmt(f$loglik[2]), converged = conv)
  }
}
write.csv(do.call(rbind, rows), "onset.csv", row.names = FALSE, quote = TRUE)

# --- meta-analysis: rma(measure, xi, ni, method) with tight control ----------------------------------------------
rows <- list()
for (id in 1:300) {
  k <- sample(2:20, 1)
  ni <- sample(c(5:60, 100, 1000, 10000), k, replace = TRUE)
  p <- plogis(rnorm(k, qlogis(runif(1, 0.02, 0.5)), runif(1, 0, 1.5)))
  xi <- rbinom(k, ni, p)
  for (measure in c("PLO", "PR", "PFT")) for (method in c("ML", "REML", "PM", "EB")) {
    f <- tryCatch(suppressWarnings(rma(measure = measure, xi = xi, ni = ni, method = method,
                  control = list(threshold = 1e-13, maxiter = 10000, tau2.max = 1e6, tol = 1e-15))), error = function(err) NULL)
    if (is.null(f)) next
    ll <- if (method %in% c("ML", "REML")) f$fit.stats["ll", method] else NA
    rows[[length(rows) + 1]] <- data.frame(id = id, measure = measure, method = method, xi = paste(xi, collapse = ";"),
      ni = paste(ni, collapse = ";"), estimate = fmt(f$beta[1]), tau2 = fmt(f$tau2), loglik = fmt(ll))
  }
}
write.csv(do.call(rbind, rows), "meta.csv", row.names = FALSE, quote = TRUE)

# --- Cox: coxph with case weights of any scale, Efron and Breslow ------------------------------------------------
rows <- list()
for (id in 1:150) {
  n <- sample(5:300, 1)
  x1 <- round(rnorm(n), 2); x2 <- rbinom(n, 1, 0.4)
  t <- ceiling(rexp(n, exp(0.5 * x1 - 0.7 * x2) / 50)); e <- rbinom(n, 1, runif(1, 0.3, 1))
  if (sum(e) < 2) e[1:2] <- 1
  w <- runif(n, 0.5, 2) * 10^sample(c(-50, -20, -5, 0, 0, 0, 5, 10, 100), 1)
  for (ties in c("efron", "breslow")) {
    f <- tryCatch(coxph(Surv(t, e) ~ x1 + x2, weights = w, ties = ties, control = coxph.control(eps = 1e-14, iter.max = 100, toler.chol = 1e-15)),
                  error = function(err) NULL)
    if (is.null(f)) next
    rows[[length(rows) + 1]] <- data.frame(id = id, ties = ties, t = fmt(t), e = paste(e, collapse = ";"), x1 = fmt(x1),
      x2 = paste(x2, collapse = ";"), w = fmt(w), b1 = fmt(coef(f)[1]), b2 = fmt(coef(f)[2]), loglik = fmt(f$loglik[2]))
  }
}
write.csv(do.call(rbind, rows), "cox.csv", row.names = FALSE, quote = TRUE)
