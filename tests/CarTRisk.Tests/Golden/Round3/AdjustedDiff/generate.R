# Differential cases for the Round 3 adjusted-comparison estimators (R 4.2.2, survival 3.5-3):
#   Rscript generate.R  ->  diff.json
# Random data sets with tied integer times, competing causes, random case weights (some 0), categorical and numeric
# covariates: glm (binomial 0/1 with weights, binomial proportions, Poisson with offset), weighted Kaplan-Meier and
# Aalen-Johansen with robust standard errors, weighted robust Cox (Efron and Breslow) and weighted Fine-Gray.
suppressMessages({library(survival); library(jsonlite)})
set.seed(7122026)
out <- list()
for (k in 1:60) {
  n <- sample(c(12, 30, 80, 250), 1)
  x1 <- round(rnorm(n), 2)
  g <- sample(c("a", "b", "c"), n, replace = TRUE, prob = c(0.5, 0.3, 0.2))
  if (length(unique(g)) < 3) g[1:3] <- c("a", "b", "c")
  time <- pmax(1, round(rexp(n, 0.02 * exp(0.3 * x1)) ))
  time <- pmin(time, sample(c(60, 150, 400), 1))
  cause <- sample(0:2, n, replace = TRUE, prob = c(0.4, 0.35, 0.25))
  if (sum(cause == 1) < 2) cause[1:2] <- 1
  if (sum(cause == 2) < 1) cause[3] <- 2
  w <- round(runif(n, 0.2, 3), sample(c(1, 3), 1))
  if (k %% 4 == 0) w[sample(n, 2)] <- 0
  d <- data.frame(time, cause, x1, g, w)
  case <- list(time = time, cause = cause, x1 = x1, g = g, w = w)
  # glm
  yb <- rbinom(n, 1, plogis(-0.5 + 0.8 * x1))
  if (length(unique(yb)) < 2) yb[1:2] <- c(0, 1)
  fb <- glm(yb ~ x1 + g, family = binomial(), weights = w, control = glm.control(epsilon = 1e-14, maxit = 100))
  trials <- sample(1:6, n, replace = TRUE)
  yp <- rbinom(n, trials, plogis(-0.3 + 0.5 * x1)) / trials
  fp <- glm(yp ~ x1 + g, family = binomial(), weights = trials, control = glm.control(epsilon = 1e-14, maxit = 100))
  py <- round(runif(n, 0.5, 20), 2)
  cnt <- rpois(n, py * exp(-2 + 0.4 * x1))
  fq <- glm(cnt ~ x1 + g, family = poisson(), offset = log(py), control = glm.control(epsilon = 1e-14, maxit = 100))
  gl <- function(f) list(coef = unname(coef(f)), se = unname(sqrt(diag(vcov(f)))), deviance = deviance(f),
    null_deviance = f$null.deviance, aic = AIC(f), loglik = as.numeric(logLik(f)), df_residual = f$df.residual,
    fitted = unname(fitted(f)), converged = f$converged)
  case$yb <- yb; case$trials <- trials; case$yp <- yp; case$py <- py; case$cnt <- cnt
  case$glm_binomial <- gl(fb); case$glm_prop <- gl(fp); case$glm_poisson <- gl(fq)
  # weighted curves (zero weights dropped: survfit refuses them in the multi-state fit)
  dp <- d[d$w > 0, ]
  km <- survfit(Surv(time, cause > 0) ~ 1, data = dp, weights = w, id = seq_len(nrow(dp)), robust = TRUE)
  aj <- survfit(Surv(time, factor(cause, levels = 0:2)) ~ 1, data = dp, weights = w, id = seq_len(nrow(dp)), robust = TRUE)
  case$km <- list(time = km$time, surv = km$surv, std_err = km$std.err, lower = km$lower, upper = km$upper)
  case$aj <- list(time = aj$time, pstate = unname(aj$pstate), std_err = unname(aj$std.err))
  # weighted robust Cox
  cx <- lapply(c("efron", "breslow"), function(ties) {
    f <- coxph(Surv(time, cause > 0) ~ x1 + g, data = dp, weights = w, robust = TRUE, ties = ties,
               control = coxph.control(eps = 1e-14, iter.max = 100, toler.chol = 1e-15))
    list(ties = ties, coef = unname(coef(f)), var = unname(c(t(f$var))), naive_var = unname(c(t(f$naive.var))),
         loglik = f$loglik)
  })
  case$cox <- cx
  # weighted Fine-Gray
  dp$id <- seq_len(nrow(dp))
  fg <- finegray(Surv(time, factor(cause, levels = 0:2)) ~ ., data = dp, etype = 1)
  ff <- coxph(Surv(fgstart, fgstop, fgstatus) ~ x1 + g, weights = fgwt * w, data = fg, id = id, robust = TRUE,
              control = coxph.control(eps = 1e-14, iter.max = 100, toler.chol = 1e-15))
  case$finegray <- list(rows = nrow(fg), coef = unname(coef(ff)), var = unname(c(t(ff$var))),
                        naive_var = unname(c(t(ff$naive.var))), loglik = ff$loglik)
  out[[k]] <- case
}
writeLines(toJSON(list(generator = "tests/CarTRisk.Tests/Golden/Round3/AdjustedDiff/generate.R", cases = out),
  digits = NA, auto_unbox = FALSE, na = "null"), "diff.json")
