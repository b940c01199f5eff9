# Reference values for nelm's prognostic models, produced with R survival and rms (Debian packages).
# Run from the repository root:  Rscript tests/data/prognosis/make_reference.R
# Reads shared_cohort.csv (SYNTHETIC, made by make_shared_cohort.py); writes reference.json and
# validate_indices.csv (the bootstrap resamples rms::validate drew, so the suite can replay them exactly).
# The test suite never runs R; it compares against these stored outputs.
suppressPackageStartupMessages({library(rms); library(jsonlite)})
out <- "tests/data/prognosis"
versions <- sprintf("%s; survival %s; rms %s; Hmisc %s; jsonlite %s", R.version.string,
                    packageVersion("survival"), packageVersion("rms"), packageVersion("Hmisc"),
                    packageVersion("jsonlite"))
d <- read.csv(file.path(out, "shared_cohort.csv"), comment.char = "#", stringsAsFactors = FALSE)
d$primary_site <- factor(d$primary_site)  # levels alphabetical: other (reference), pancreas, small_intestine
ref <- list(generated_by = "tests/data/prognosis/make_reference.R", versions = versions)
un <- function(x) unname(as.vector(x))

# ---------------------------------------------------------------- rcs knots (Hmisc defaults) and design
knot_case <- function(x, nk) list(nk = nk, n = length(x), knots = un(rcspline.eval(x, nk = nk, knots.only = TRUE)))
ref$knots <- list(
  ki67_4 = c(knot_case(d$ki67_percent, 4), column = "ki67_percent", rows = 400),
  ki67_3 = c(knot_case(d$ki67_percent, 3), column = "ki67_percent", rows = 400),
  size_5 = c(knot_case(d$largest_lesion_mm, 5), column = "largest_lesion_mm", rows = 400),
  time_6 = c(knot_case(d$time_months, 6), column = "time_months", rows = 400),
  size_4_small = c(knot_case(d$largest_lesion_mm[1:60], 4), column = "largest_lesion_mm", rows = 60),
  count_3 = c(knot_case(d$lesion_count, 3), column = "lesion_count", rows = 400)
)
xs <- c(0.5, 1, 2.5, 3, 4, 7.5, 14.025, 20, 60)
k4 <- rcspline.eval(d$ki67_percent, nk = 4, knots.only = TRUE)
ref$rcs_design <- list(x = xs, knots = un(k4), basis = unname(rcspline.eval(xs, knots = k4, inclx = TRUE)))

# ---------------------------------------------------------------- full model: every transformation
full <- cph(Surv(time_months, death) ~ lesion_count + log(largest_lesion_mm) + rcs(ki67_percent, 4) + primary_site,
            data = d, x = TRUE, y = TRUE, eps = 1e-9, tol = 1e-11, iter.max = 30)
cfull <- coxph(Surv(time_months, death) ~ lesion_count + log(largest_lesion_mm) + rcs(ki67_percent, k4) + primary_site,
               data = d)
harrell <- concordance(cfull)
uno <- concordance(cfull, timewt = "n/G2", ymax = 120)
new <- data.frame(lesion_count = c(1, 3, 6, 9), largest_lesion_mm = c(12, 30, 80, 135),
                  ki67_percent = c(0.5, 4, 12, 30), primary_site = factor(c("small_intestine", "other", "pancreas", "pancreas"),
                                                                           levels = levels(d$primary_site)))
times <- c(12, 60, 120, max(d$time_months))
sf <- summary(survfit(cfull, newdata = new), times = times, extend = TRUE)
ref$full <- list(
  formula = "Surv(time_months, death) ~ lesion_count + log(largest_lesion_mm) + rcs(ki67_percent, 4) + primary_site",
  terms = names(coef(full)), coef = un(coef(full)), coxph_coef = un(coef(cfull)), var = unname(cfull$var),
  means = un(cfull$means), loglik = un(cfull$loglik), knots = un(full$Design$parms$ki67_percent),
  harrell = list(c = un(harrell$concordance), se = sqrt(un(harrell$var))),
  uno_120 = list(c = un(uno$concordance), se = sqrt(un(uno$var))),
  rcorr_dxy = un(rms:::dxy.cens(cfull$linear.predictors, Surv(d$time_months, d$death), type = "hazard")["Dxy"]),
  newdata = lapply(new, function(v) if (is.factor(v)) as.character(v) else v),
  lp_new = un(predict(cfull, newdata = new, type = "lp")),
  times = times, surv = unname(sf$surv), std_err = unname(sf$std.err), lower = unname(sf$lower),
  upper = unname(sf$upper)
)

# ---------------------------------------------------------------- external validation: fit rows 1-250, validate 251-400
dev <- d[1:250, ]; val <- d[251:400, ]
fdev <- coxph(Surv(time_months, death) ~ lesion_count + largest_lesion_mm + ki67_percent, data = dev)
lp <- un(predict(fdev, newdata = val, type = "lp"))
slope_fit <- coxph(Surv(time_months, death) ~ lp, data = cbind(val, lp = lp))
vtimes <- c(60, 120)
pred <- summary(survfit(fdev, newdata = val), times = vtimes)$surv  # rows: times, columns: patients
km <- summary(survfit(Surv(time_months, death) ~ 1, data = val), times = vtimes)
cens <- survfit(Surv(time_months, 1 - death) ~ 1, data = val)
G <- stepfun(cens$time, c(1, cens$surv))  # right-continuous censoring survival
per_time <- lapply(seq_along(vtimes), function(j) {
  t <- vtimes[j]; s <- pred[j, ]; risk <- 1 - s
  y <- val$time_months; e <- val$death
  # Graf et al. IPCW Brier score: events before t weighted by 1/G(T-), survivors by 1/G(t)
  w_event <- ifelse(y <= t & e == 1, 1 / G(y - 1e-7), 0)
  w_alive <- ifelse(y > t, 1 / G(t), 0)
  brier <- mean(w_event * s^2 + w_alive * (1 - s)^2)
  observed <- 1 - km$surv[j]; expected <- mean(risk)
  # grouped calibration: 5 equal-size groups of predicted risk, Kaplan-Meier (log CI) in each
  grp <- ceiling(rank(risk, ties.method = "first") * 5 / length(risk))
  groups <- lapply(1:5, function(g) {
    k <- summary(survfit(Surv(time_months, death) ~ 1, data = val[grp == g, ]), times = t, extend = TRUE)
    list(n = sum(grp == g), predicted = mean(risk[grp == g]), observed = 1 - k$surv,
         lower = 1 - k$upper, upper = 1 - k$lower)
  })
  # smoothed curve (Austin, Harrell, van Klaveren 2020): Cox model on rcs(cll of predicted risk, 3 knots)
  cll <- log(-log(1 - risk))
  k3 <- rcspline.eval(cll, nk = 3, knots.only = TRUE)
  cal <- coxph(Surv(time_months, death) ~ rcs(cll, k3), data = cbind(val, cll = cll))
  obs_i <- 1 - summary(survfit(cal, newdata = data.frame(cll = cll)), times = t)$surv[1, ]
  grid <- c(0.1, 0.2, 0.3, 0.5, 0.7)
  grid_obs <- 1 - summary(survfit(cal, newdata = data.frame(cll = log(-log(1 - grid)))), times = t)$surv[1, ]
  err <- abs(obs_i - risk)
  list(time = t, observed_risk = observed, expected_risk = expected, oe = observed / expected,
       citl = observed - expected, brier = brier, groups = groups, cll_knots = un(k3),
       smoothed_observed = un(obs_i), grid = grid, grid_observed = un(grid_obs),
       ici = mean(err), e50 = un(median(err)), e90 = un(quantile(err, 0.9)), emax = max(err))
})
ref$external <- list(
  dev_rows = "1-250", val_rows = "251-400", coef = un(coef(fdev)), means = un(fdev$means),
  lp = lp, slope = un(coef(slope_fit)), slope_se = sqrt(un(slope_fit$var)),
  harrell = un(concordance(Surv(time_months, death) ~ lp, data = cbind(val, lp = lp), reverse = TRUE)$concordance),
  uno_120 = un(concordance(Surv(time_months, death) ~ lp, data = cbind(val, lp = lp), reverse = TRUE,
                           timewt = "n/G2", ymax = 120)$concordance),
  times = vtimes, predicted_survival = unname(pred), per_time = per_time
)

# ---------------------------------------------------------------- rms::validate with the resamples recorded
f3 <- cph(Surv(time_months, death) ~ lesion_count + largest_lesion_mm + ki67_percent, data = d,
          x = TRUE, y = TRUE, eps = 1e-9, tol = 1e-11, iter.max = 30)
B <- 40; seed <- 20240501
set.seed(seed); idx <- sapply(1:B, function(i) sample(nrow(d), replace = TRUE))
set.seed(seed); v <- rms::validate(f3, B = B)
idx_file <- file.path(out, "validate_indices.csv")
writeLines(paste0("# rows drawn by sample(400, replace=TRUE) per resample (columns) after set.seed(", seed,
                  "), as rms::validate draws them; generated by make_reference.R with ", versions), idx_file)
suppressWarnings(write.table(idx, idx_file, sep = ",", row.names = FALSE, append = TRUE))
ref$validate <- list(B = B, seed = seed, coef = un(coef(f3)), rows = rownames(v), columns = colnames(v),
                     table = unname(unclass(v)[, 1:6]))

# ---------------------------------------------------------------- nomogram points (rms) for the 3-variable model
dd <- datadist(d); options(datadist = "dd")
s0 <- summary(survfit(coxph(Surv(time_months, death) ~ lesion_count + largest_lesion_mm + ki67_percent, data = d)),
              times = c(60, 120))$surv
values <- list(lesion_count = 1:9, largest_lesion_mm = c(10, 50, 100, 150), ki67_percent = c(0, 10, 20, 30, 40))
fun_at <- c(0.9, 0.8, 0.7, 0.5, 0.3, 0.1)
nom <- do.call(nomogram, c(list(f3, fun = list(function(lp) s0[1]^exp(lp), function(lp) s0[2]^exp(lp)),
                                funlabel = c("S60", "S120"), fun.at = fun_at), values))
ref$nomogram <- list(values = values, fun_at = fun_at, s0 = s0, center = un(f3$center),
                     points = lapply(names(values), function(v) un(nom[[v]]$points)),
                     total_points_axis = un(nom$total.points$x), scale = un(attr(nom, "info")$sc),
                     s60_x = un(nom$S60$x), s60_at = un(nom$S60$x.real),
                     s120_x = un(nom$S120$x), s120_at = un(nom$S120$x.real))
names(ref$nomogram$points) <- names(values)

writeLines(toJSON(ref, digits = NA, auto_unbox = TRUE, pretty = TRUE), file.path(out, "reference.json"))
cat("wrote", file.path(out, "reference.json"), "\n")
