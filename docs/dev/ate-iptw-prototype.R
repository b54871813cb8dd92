# Prototype (not run by the tests) of riskRegression::ate's IPTW,IPCW estimate and influence-function SE, for the next
# step of AdjustedRisk (RiskEstimator.Iptw). Run: Rscript docs/dev/ate-iptw-prototype.R (R 4.2.2, riskRegression
# 2022.11.28). Status 2026-12-07: the point estimate equals ate's exactly (censoring survival by product limit at the
# last censoring jump before min(T, tau)); the SE equals ate's to 5e-11 at 365 days but only to ~1e-7 at 730 and 1095
# days. Conventions that already hold for the g-formula are used: IF(beta) with one event per distinct time, IF(lambda)
# with the Efron baseline, hazard-form derivative of S; the PS term uses lava::iid(glm) = estfun %*% vcov. Suspect
# for the residual: riskRegression's "reverse" tie handling of the censoring model (censorings and events at one time).
suppressMessages({library(riskRegression); library(survival); library(jsonlite)})
d <- read.csv("tests/CarTRisk.Tests/Golden/Round3/Adjusted/cart_adj.csv")
d$product <- factor(d$product)
e <- fromJSON("tests/CarTRisk.Tests/Golden/Round3/Adjusted/ate.expected.json", simplifyVector = FALSE)
a <- e$analyses[[2]]; cat(a$name, unlist(a$mean$estimate)[1:3], "\n")
cat("se", unlist(a$mean$se)[1:3], "\n")
ps <- glm(product ~ age + sex + prior_lines + ldh_high, data = d, family = binomial)
cz <- coxph(Surv(time, cause == 0) ~ product + age + sex + prior_lines + ldh_high, data = d, x = TRUE)
pi1 <- fitted(ps); pia <- 1 - pi1   # P(axi-cel)
jumpC <- sort(d$time[d$cause == 0])
for (pl in c(TRUE, FALSE)) {
  est <- sapply(c(365, 730, 1095), function(tau) {
    ev <- pmin(d$time, tau) - 1e-12
    idx <- prodlim::sindex(jump.times = jumpC, eval.times = ev)
    tt <- c(0, jumpC)[idx + 1]
    G <- 1 - predictRisk(cz, newdata = d, times = tt, diag = TRUE, product.limit = pl)
    Ctau <- 1 - (d$time <= tau) * (d$cause == 0)
    Y <- (d$time <= tau) * (d$cause == 1)
    M <- d$product == "axi-cel"
    mean(M / pia * Ctau / G * Y)
  })
  cat("product.limit", pl, est, "\n")
}
X <- model.matrix(~ product + age + sex + prior_lines + ldh_high, d)[, -1]; n <- nrow(d); p <- ncol(X)
# censoring-model IF pieces (riskRegression conventions), on the uncentred scale
b <- coef(cz); r <- as.vector(exp(X %*% b))
bh <- basehaz(cz, centered = FALSE); H <- stepfun(bh$time, c(0, bh$hazard))
s <- sort(unique(d$time[d$cause == 0])); lam <- H(s) - H(s - 1e-9)
S0 <- sapply(s, function(u) sum(r[d$time >= u]))
S1 <- t(sapply(s, function(u) colSums(X[d$time >= u, , drop = FALSE] * r[d$time >= u])))
E <- S1 / S0
U <- matrix(0, n, p)
for (l in seq_along(s)) { dN <- as.numeric(d$time == s[l] & d$cause == 0); Y <- as.numeric(d$time >= s[l]); U <- U + (X - matrix(E[l, ], n, p, byrow = TRUE)) * (dN - Y * r / S0[l]) }
IFb <- U %*% cz$var
IFlam <- matrix(0, n, length(s))
for (l in seq_along(s)) { dN <- as.numeric(d$time == s[l] & d$cause == 0); Yr <- as.numeric(d$time >= s[l]); IFlam[, l] <- -(IFb %*% E[l, ]) * lam[l] - Yr * r * lam[l] / S0[l] + dN / S0[l] }
# PS IF
Xp <- model.matrix(ps); IFg <- (Xp * (ps$y - fitted(ps))) %*% vcov(ps)
for (k in 1:3) {
  tau <- c(365, 730, 1095)[k]
  ev <- pmin(d$time, tau) - 1e-12; idx <- prodlim::sindex(jump.times = jumpC, eval.times = ev); tt <- c(0, jumpC)[idx + 1]
  G <- 1 - predictRisk(cz, newdata = d, times = tt, diag = TRUE, product.limit = TRUE)
  Ctau <- 1 - (d$time <= tau) * (d$cause == 0); Y <- (d$time <= tau) * (d$cause == 1); M <- d$product == "axi-cel"
  val <- M / pia * Ctau / G * Y; theta <- mean(val)
  base <- (val - theta) / n
  # treatment term: factor_j = -Y_j Ctau_j/G_j * M_j/pi_j^2 ; dpi_axi/dbeta = -p(1-p) x
  fac <- -Y * Ctau / G * M / pia^2
  dpi <- -as.vector(pi1 * (1 - pi1)) * Xp
  tt_term <- IFg %*% colSums(as.vector(fac) * dpi) / n
  # censoring term: factor_j = -M_j/pi_j * Ctau_j/G_j^2 * Y_j on risk = 1 - G; IF(risk_j) = -IF(G_j) = G_j (r_j sum_{l: s_l <= t_j} IFlam_l + r_j Lambda(t_j) x_j IFb)
  facC <- -M / pia * Ctau / G^2 * Y
  Lt <- H(tt)
  A <- sapply(seq_along(s), function(l) sum((facC * G * r)[s[l] <= tt]))   # weight of IFlam_l
  Bv <- colSums(as.vector(facC * G * r * Lt) * X)
  cens_term <- (IFlam %*% A + IFb %*% Bv) / n
  IF <- base + tt_term - cens_term
  cat(tau, sprintf("%.12g", theta), sprintf("%.12g", sqrt(sum(IF^2))), " R:", sprintf("%.12g", unlist(a$mean$se)[k]), "\n")
}
