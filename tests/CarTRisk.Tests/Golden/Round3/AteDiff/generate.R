# Differential cases for AdjustedRisk.Estimate (g-formula, IPTW and AIPTW) against riskRegression::ate (R 4.2.2,
# riskRegression 2022.11.28, survival 3.5-3):  Rscript generate.R  ->  ate_diff.json
# Random cohorts with tied integer times, a numeric and a categorical confounder, two treatments, causes 0/1/2.
suppressMessages({library(riskRegression); library(survival); library(jsonlite)})
set.seed(7122026)
cases <- list()
for (k in 1:16) {
  n <- sample(c(120, 250, 400), 1)
  x1 <- round(rnorm(n), 2)
  g <- sample(c("a", "b", "c"), n, replace = TRUE)
  trt <- factor(ifelse(runif(n) < plogis(-0.2 + 0.6 * x1), "B", "A"))
  h1 <- 0.002 * exp(0.4 * x1 + 0.5 * (trt == "B")); h2 <- 0.003 * exp(0.2 * (g == "c"))
  t1 <- rexp(n, h1); t2 <- rexp(n, h2); cz <- runif(n, 50, 900)
  tm <- pmin(t1, t2, cz); cause <- ifelse(tm == cz, 0, ifelse(tm == t1, 1, 2))
  time <- pmax(1, ceiling(tm / sample(c(1, 7, 30), 1)))
  d <- data.frame(time, cause, trt, x1, g)
  times <- c(30, 90, 180) / (max(time) / 900) |> round()
  times <- sort(unique(pmax(1, pmin(times, max(time) - 1))))
  csc <- CSC(Hist(time, cause) ~ trt + x1 + g, data = d)
  out <- list(time = time, cause = cause, trt = as.character(trt), x1 = x1, g = g, times = times)
  r1 <- ate(event = csc, treatment = "trt", data = d, times = times, cause = 1, estimator = "GFORMULA", se = TRUE, verbose = FALSE)
  ps <- glm(trt ~ x1 + g, data = d, family = binomial)
  cm <- coxph(Surv(time, cause == 0) ~ trt + x1 + g, data = d, x = TRUE)
  r2 <- tryCatch(ate(event = csc, treatment = ps, censor = cm, data = d, times = times, cause = 1, estimator = "IPTW", se = TRUE, verbose = FALSE), error = function(e) NULL)
  r3 <- tryCatch(ate(event = csc, treatment = ps, censor = cm, data = d, times = times, cause = 1, estimator = "AIPTW", se = TRUE, verbose = FALSE), error = function(e) NULL)
  grab <- function(r) if (is.null(r)) NULL else list(mean = r$meanRisk[, c("estimate", "se")], diff = r$diffRisk[, c("estimate", "se")], ratio = r$ratioRisk[, c("estimate", "se")])
  out$gformula <- grab(r1); out$iptw <- grab(r2); out$aiptw <- grab(r3)
  cases[[k]] <- out
}
writeLines(toJSON(list(generator = "tests/CarTRisk.Tests/Golden/Round3/AteDiff/generate.R", cases = cases), digits = NA, dataframe = "columns"), "ate_diff.json")
