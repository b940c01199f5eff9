# Reference outputs for nelm's propensity-score matching (tests/stats/test_matching*.py).
# Run from this folder:  Rscript make_reference.R
# Writes: lalonde.csv, nelm_synthetic.csv, ties.csv, propensity_reference.json, matchit_reference.json,
#         matched_cox_reference.json
#
# Two kinds of reference run per scenario:
#  * "matchit451": matchit() exactly as a user would call it. MatchIt 4.5.1's C++ greedy matcher compares
#    distances through an integer abs() (MatchIt issue #163, fixed after 4.5.3): |d_treated - d_control| is
#    truncated to an integer, so the caliper only binds once the difference reaches 1 and the closer of the left
#    and right neighbours is not chosen when both truncate to the same integer (the lower-distance one wins).
#  * "nearest": the same call with the distance multiplied by SCALE (1e8 for the logit, 1e9 for the PS), so the
#    truncation error falls below 1e-8 of the distance and MatchIt 4.5.1 performs true nearest-neighbour matching
#    with its documented tie rule. Covariate balance is invariant to that scaling.
# The data sets lalonde (MatchIt) is public; nelm_synthetic.csv is SIMULATED here for software testing only
# (surgery vs intra-arterial therapy); its numbers are not clinical findings.

suppressPackageStartupMessages({library(MatchIt); library(jsonlite)})
header <- list(
  generated_by = "tests/data/matching/make_reference.R",
  r_version = R.version.string,
  matchit_version = as.character(packageVersion("MatchIt")),
  jsonlite_version = as.character(packageVersion("jsonlite"))
)

# ---- data ------------------------------------------------------------------
data("lalonde", package = "MatchIt")
lal <- data.frame(id = rownames(lalonde), lalonde, stringsAsFactors = FALSE)
lal$race <- as.character(lal$race)
write.csv(lal, "lalonde.csv", row.names = FALSE)

set.seed(20240611)
n <- 800
age <- round(rnorm(n, 61, 11), 1)
ki67 <- round(pmin(60, exp(rnorm(n, 1.3, 0.8))), 1)          # Ki-67 index, %
burden <- round(100 * rbeta(n, 2, 5), 1)                      # liver tumour burden, % of liver volume
symptomatic <- rbinom(n, 1, 0.45)                             # carcinoid syndrome / mass symptoms
lp <- 2.2 - 0.045 * (age - 61) - 0.06 * ki67 - 0.05 * burden - 0.5 * symptomatic
surgery <- rbinom(n, 1, plogis(lp - 1.2))
# Survival after treatment (months; death = 1, censored = 0), for the matched-Cox check only.
hazard <- 0.02 * exp(0.03 * (age - 61) + 0.05 * ki67 + 0.02 * burden + 0.3 * symptomatic - 0.5 * surgery)
event_time <- rexp(n, hazard)
censor_time <- runif(n, 12, 120)
months <- round(pmin(event_time, censor_time), 2); death <- as.integer(event_time <= censor_time)
nelm <- data.frame(surgery, age, ki67, burden, symptomatic, months, death)
write.csv(nelm, "nelm_synthetic.csv", row.names = FALSE)

set.seed(7)
ties <- data.frame(treat = rep(c(1, 0, 0, 1, 0), 8), score = sample(1:6, 40, replace = TRUE))
write.csv(ties, "ties.csv", row.names = FALSE)

# ---- propensity model --------------------------------------------------------
lal_formula <- treat ~ age + educ + race + married + nodegree + re74 + re75
nelm_formula <- surgery ~ age + ki67 + burden + symptomatic
datasets <- list(
  lalonde = list(data = lal, formula = lal_formula, exact = "race", ids = lal$id),
  nelm = list(data = nelm, formula = nelm_formula, exact = "symptomatic", ids = seq_len(nrow(nelm)) - 1L)
)
ps_ref <- list()
for (nm in names(datasets)) {
  d <- datasets[[nm]]
  fit <- glm(d$formula, data = d$data, family = binomial())
  ps_ref[[nm]] <- list(coefficients = as.list(coef(fit)), logit = unname(predict(fit, type = "link")),
                       ps = unname(fitted(fit)), deviance = deviance(fit), iterations = fit$iter)
  datasets[[nm]]$eta <- unname(predict(fit, type = "link"))
  datasets[[nm]]$ps <- unname(fitted(fit))
}
write_json(c(header, list(models = ps_ref)), "propensity_reference.json", digits = NA, auto_unbox = TRUE, pretty = FALSE)

# ---- matching scenarios ---------------------------------------------------------
row_stats <- c("Means Treated", "Means Control", "Std. Mean Diff.", "Var. Ratio", "eCDF Mean", "eCDF Max")
keys <- c("mean_treated", "mean_control", "smd", "var_ratio", "ecdf_mean", "ecdf_max")
balance_json <- function(s, scale) {
  out <- list()
  for (term in rownames(s$sum.all)) {
    b <- list()
    for (j in seq_along(row_stats)) {
      before <- unname(s$sum.all[term, row_stats[j]]); after <- unname(s$sum.matched[term, row_stats[j]])
      if (term == "distance" && j %in% 1:2) { before <- before / scale; after <- after / scale }
      b[[paste0(keys[j], "_before")]] <- if (is.na(before)) NULL else before
      b[[paste0(keys[j], "_after")]] <- if (is.na(after)) NULL else after
    }
    out[[term]] <- b
  }
  out
}

run_one <- function(nm, mode, dist, m.order, caliper, ratio, replace, exact) {
  d <- datasets[[nm]]
  base <- if (dist == "logit") d$eta else d$ps
  scale <- if (mode == "matchit451") 1 else if (dist == "logit") 1e8 else 1e9
  distance <- base * scale
  stopifnot(diff(range(distance)) < 2^31 - 1)
  args <- list(formula = d$formula, data = d$data, method = "nearest", ratio = ratio, replace = replace,
               m.order = m.order)
  if (mode == "matchit451") {
    args$distance <- "glm"; args$link <- if (dist == "logit") "linear.logit" else "logit"
  } else args$distance <- distance
  if (!is.null(caliper)) args$caliper <- caliper
  if (!is.null(exact)) args$exact <- exact
  m <- suppressWarnings(do.call(matchit, args))
  if (mode == "matchit451") stopifnot(isTRUE(all.equal(unname(m$distance), base, tolerance = 1e-10)))
  ids <- d$ids; names(ids) <- rownames(d$data)
  mm <- m$match.matrix
  matched <- list()
  for (i in seq_len(nrow(mm))) {
    ctl <- mm[i, ][!is.na(mm[i, ])]
    if (length(ctl)) matched[[length(matched) + 1]] <- list(treated = ids[[rownames(mm)[i]]], controls = I(unname(ids[ctl])))
  }
  s <- summary(m, un = TRUE, pair.dist = FALSE)
  treat <- m$treat
  list(
    name = paste(nm, mode, dist, m.order, if (is.null(caliper)) "nocal" else paste0("cal", caliper),
                 paste0("r", ratio), if (replace) "replace" else "norep", if (is.null(exact)) "noexact" else paste0("exact-", exact), sep = "_"),
    dataset = nm, mode = mode, distance = dist, m_order = m.order, caliper = caliper, ratio = ratio,
    replace = replace, exact = if (is.null(exact)) NULL else I(exact), distance_scale = scale,
    caliper_value = if (is.null(m$caliper)) NULL else unname(m$caliper) / scale,
    matched = matched,
    weights = unname(m$weights),
    subclass = if (is.null(m$subclass)) NULL else unname(as.integer(as.character(m$subclass))),
    n_treated_matched = sum(treat == 1 & m$weights > 0), n_control_matched = sum(treat == 0 & m$weights > 0),
    n_treated_unmatched = sum(treat == 1 & m$weights == 0), n_control_unmatched = sum(treat == 0 & m$weights == 0),
    balance = balance_json(s, scale)
  )
}

scenarios <- list()
for (nm in names(datasets)) for (mode in c("matchit451", "nearest")) {
  for (caliper in list(NULL, 0.2)) for (ratio in 1:2) for (exact in list(NULL, datasets[[nm]]$exact)) {
    for (m.order in c("largest", "smallest", "data"))
      scenarios[[length(scenarios) + 1]] <- run_one(nm, mode, "logit", m.order, caliper, ratio, FALSE, exact)
    # with replacement MatchIt forces m.order = "data" (order cannot matter)
    scenarios[[length(scenarios) + 1]] <- run_one(nm, mode, "logit", "data", caliper, ratio, TRUE, exact)
  }
  for (caliper in list(NULL, 0.2))
    scenarios[[length(scenarios) + 1]] <- run_one(nm, mode, "ps", "largest", caliper, 1, FALSE, NULL)
}

# Exact ties in the distance (integer scores): checks the tie rule; integer differences are not truncated.
ties_runs <- list()
for (m.order in c("largest", "smallest", "data")) for (ratio in 1:2) for (caliper in list(NULL, 0.5)) {
  args <- list(formula = treat ~ score, data = ties, method = "nearest", distance = ties$score,
               m.order = m.order, ratio = ratio)
  if (!is.null(caliper)) args$caliper <- caliper
  m <- suppressWarnings(do.call(matchit, args))
  mm <- m$match.matrix
  matched <- list()
  for (i in seq_len(nrow(mm))) {
    ctl <- mm[i, ][!is.na(mm[i, ])]
    if (length(ctl)) matched[[length(matched) + 1]] <- list(treated = as.integer(rownames(mm)[i]) - 1L, controls = I(as.integer(ctl) - 1L))
  }
  ties_runs[[length(ties_runs) + 1]] <- list(m_order = m.order, ratio = ratio, caliper = caliper,
    caliper_value = if (is.null(m$caliper)) NULL else unname(m$caliper),
    matched = matched, subclass = unname(as.integer(as.character(m$subclass))), weights = unname(m$weights))
}

# Matched set -> Cox model with robust SE clustered on the pair (the issue's intended use), 1:2 with caliper.
m <- matchit(nelm_formula, data = nelm, method = "nearest", distance = datasets$nelm$eta * 1e8, caliper = 0.2,
             ratio = 2, m.order = "largest")
md <- match.data(m)
cox <- survival::coxph(survival::Surv(months, death) ~ surgery, data = md, weights = weights, cluster = subclass)
cox_ref <- list(n = nrow(md), events = sum(md$death), coef = unname(coef(cox)), robust_se = unname(sqrt(diag(vcov(cox)))),
                naive_se = unname(sqrt(diag(cox$naive.var))), loglik = unname(cox$loglik),
                survival_version = as.character(packageVersion("survival")))
write_json(c(header, cox_ref), "matched_cox_reference.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)

write_json(c(header, list(scenarios = scenarios, ties = ties_runs)), "matchit_reference.json",
           digits = NA, auto_unbox = TRUE, null = "null", na = "null", pretty = FALSE)
cat("wrote", length(scenarios), "scenarios and", length(ties_runs), "tie runs\n")
