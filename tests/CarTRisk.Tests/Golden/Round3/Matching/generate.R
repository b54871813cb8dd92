# Differential cases for Matching.Nearest against MatchIt 4.5.1 (R 4.2.2):
#   Rscript generate.R  ->  matching_diff.json
# Random data sets with tied distances (rounded), distances as scores in (0, 1) and as logits (differences > 1, where
# MatchIt's integer abs() matters), ratio 1-3, with and without caliper and replacement.
suppressMessages({library(MatchIt); library(jsonlite)})
set.seed(20261207)
cases <- list()
for (k in 1:120) {
  n <- sample(c(8, 15, 40, 120, 300), 1)
  p1 <- runif(1, 0.15, 0.5)
  t <- rbinom(n, 1, p1)
  if (sum(t) < 1 || sum(t) == n) t[1:2] <- c(1, 0)
  logit <- k %% 3 == 0
  d <- if (logit) round(rnorm(n, 0, 2.5), sample(c(0, 1, 2), 1)) else round(runif(n), sample(c(1, 2, 3), 1))
  ratio <- sample(1:3, 1)
  replace <- k %% 4 == 0
  caliper <- if (k %% 5 < 2) NULL else sample(c(0.05, 0.2, 1), 1)
  dat <- data.frame(t = t)
  args <- list(formula = t ~ 1, data = dat, method = "nearest", distance = d, ratio = ratio, replace = replace,
               m.order = "largest")
  if (!is.null(caliper)) { args$caliper <- caliper; args$std.caliper <- TRUE }
  m <- tryCatch(suppressWarnings(do.call(matchit, args)), error = function(e) NULL)
  if (is.null(m)) next  # R stops with "No units were matched"; CarTRisk returns the empty matching
  sub <- if (is.null(m$subclass)) rep(-1L, n) else { s <- as.integer(as.character(m$subclass)); s[is.na(s)] <- -1L; s }
  mm <- m$match.matrix
  mmi <- lapply(seq_len(nrow(mm)), function(r) { v <- mm[r, ]; v <- v[!is.na(v)]; as.integer(match(v, rownames(dat))) - 1L })
  cases[[length(cases) + 1]] <- list(treated = as.integer(t), distance = d, ratio = ratio, replace = replace,
                     caliper = if (is.null(caliper)) NA else caliper, subclass = sub, weights = unname(m$weights),
                     match_matrix = mmi)
}
writeLines(toJSON(list(generator = "tests/CarTRisk.Tests/Golden/Round3/Matching/generate.R",
  MatchIt_version = as.character(packageVersion("MatchIt")), cases = cases), digits = NA, auto_unbox = TRUE, na = "null"),
  "matching_diff.json")
