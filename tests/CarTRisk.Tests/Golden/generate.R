# Golden values that the shared oracle (Golden/Reference) does not cover: extreme binomial and Poisson
# intervals, and left-truncated (delayed-entry) Kaplan-Meier / Nelson-Aalen.
# Rerun by hand (CI never runs R):  cd tests/CarTRisk.Tests/Golden && Rscript generate.R
# Needs Debian r-base-core r-cran-survival r-cran-jsonlite. Numbers are written with %.17g.
suppressPackageStartupMessages({ library(survival); library(jsonlite) })
dir.create("Extra", showWarnings = FALSE)
hdr <- function(call) c(sprintf("# %s; survival %s", R.version.string, packageVersion("survival")),
                        sprintf("# R call: %s", call))
f17 <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))

# Binomial: binom.test (Clopper-Pearson), prop.test(correct=FALSE) (Wilson), qbeta (Jeffreys).
cases <- expand.grid(level = c(0.95, 0.9, 0.999999, 0.5),
                     xn = c("0/1", "1/1", "0/10", "10/10", "3/10", "38/42500", "7/19", "25/724",
                            "0/1000000000", "1/1000000000", "5/1000000000", "500000000/1000000000",
                            "999999999/1000000000", "1000000000/1000000000", "123456/2000000000",
                            "1/2", "2/2147483647"), stringsAsFactors = FALSE)
rows <- apply(cases, 1, function(r) {
  level <- as.numeric(r[["level"]]); xn <- as.numeric(strsplit(r[["xn"]], "/")[[1]]); x <- xn[1]; n <- xn[2]
  a <- (1 - level) / 2
  # binom.test's p-value sums n terms (minutes at n = 1e9), so past n = 1e6 its conf.int formula is used directly.
  cp <- if (n <= 1e6) binom.test(x, n, conf.level = level)$conf.int else
    c(if (x == 0) 0 else qbeta(a, x, n - x + 1), if (x == n) 1 else qbeta(1 - a, x + 1, n - x))
  w <- suppressWarnings(prop.test(x, n, conf.level = level, correct = FALSE)$conf.int)
  jl <- if (x == 0) 0 else qbeta(a, x + 0.5, n - x + 0.5)
  ju <- if (x == n) 1 else qbeta(1 - a, x + 0.5, n - x + 0.5)
  paste(x, n, f17(level), f17(cp[1]), f17(cp[2]), f17(w[1]), f17(w[2]), f17(jl), f17(ju), sep = ",")
})
writeLines(c(hdr("binom.test(x, n, conf.level)$conf.int (n > 1e6: its formula qbeta(a, x, n-x+1), qbeta(1-a, x+1, n-x)); prop.test(x, n, conf.level, correct = FALSE)$conf.int; qbeta(c(a, 1 - a), x + .5, n - x + .5)"),
             "x,n,level,cp_lower,cp_upper,wilson_lower,wilson_upper,jeffreys_lower,jeffreys_upper", rows),
           "Extra/binomial_extreme.csv")

# Poisson: poisson.test(x, T, conf.level)$conf.int.
pc <- expand.grid(level = c(0.95, 0.999999, 0.5), x = c(0, 1, 2, 38, 1000, 123456789, 2000000000), T = c(1, 0.001, 1e9))
rows <- apply(pc, 1, function(r) {
  x <- r[["x"]]; a <- (1 - r[["level"]]) / 2
  # poisson.test's p-value sums ~x + T terms (hours at 2e9), so there its conf.int formula is used directly.
  ci <- if (x <= 1e6 && r[["T"]] <= 1e3) poisson.test(x, r[["T"]], conf.level = r[["level"]])$conf.int else
    c(qgamma(a, x), qgamma(1 - a, x + 1)) / r[["T"]]
  paste(f17(r[["x"]]), f17(r[["T"]]), f17(r[["level"]]), f17(ci[1]), f17(ci[2]), sep = ",")
})
writeLines(c(hdr("poisson.test(x, T, conf.level)$conf.int (x > 1e6 or T > 1e3: its formula c(qgamma(a, x), qgamma(1-a, x+1))/T)"), "x,T,level,lower,upper", rows), "Extra/poisson_extreme.csv")

# Rate ratio: poisson.test(c(x1, x2), c(t1, t2)).
rc <- list(c(0, 5, 100, 100), c(5, 0, 100, 100), c(38, 12, 60000, 9000), c(1, 1, 1, 1), c(3, 30, 1000, 700),
           c(250, 260, 1e5, 1.1e5), c(7, 12, 365.25, 730.5))
rows <- sapply(rc, function(r) {
  t <- poisson.test(c(r[1], r[2]), c(r[3], r[4]))
  paste(f17(r[1]), f17(r[2]), f17(r[3]), f17(r[4]), f17(unname(t$estimate)), f17(t$conf.int[1]), f17(t$conf.int[2]), f17(t$p.value), sep = ",")
})
writeLines(c(hdr("poisson.test(c(x1, x2), c(t1, t2))"), "x1,x2,t1,t2,estimate,lower,upper,p_value", rows), "Extra/rate_ratio.csv")

# Delayed entry (left truncation): survfit(Surv(entry, exit, status) ~ 1), on lung with a synthetic entry.
lung2 <- read.csv("Reference/lung.csv")
set.seed(7)
lung2$entry <- floor(runif(nrow(lung2)) * pmin(lung2$time, 200) * 0.8)
write.csv(lung2[, c("id", "entry", "time", "status")], "Extra/lung_entry.csv", row.names = FALSE, quote = FALSE)
for (ct in c("log", "plain", "log-log")) {
  fit <- survfit(Surv(entry, time, status) ~ 1, data = lung2, conf.type = ct)
  na <- survfit(Surv(entry, time, status) ~ 1, data = lung2, ctype = 1)
  out <- data.frame(time = fit$time, n_risk = fit$n.risk, n_event = fit$n.event, n_censor = fit$n.censor,
                    surv = f17(fit$surv), std_err = f17(fit$std.err),
                    lower = f17(fit$lower), upper = f17(fit$upper), cumhaz = f17(na$cumhaz), std_chaz = f17(na$std.chaz))
  writeLines(c(hdr(sprintf("survfit(Surv(entry, time, status) ~ 1, conf.type = '%s'); cumhaz from ctype = 1", ct)),
               capture.output(write.csv(out, row.names = FALSE, quote = FALSE))),
             sprintf("Extra/lung_entry_km_%s.csv", ct))
}
