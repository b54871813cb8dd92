// 14 · The patient's path, not only the first event: infusion -> relapse -> secondary malignancy -> death on a SYNTHETIC
// path data set (2,000 patients generated below with a fixed seed). The multi-state Aalen-Johansen gives the probability
// of being in each state over time (= survfit(Surv(start, stop, state) ~ 1, id = id)), and a Cox model with relapse as a
// time-dependent covariate (= tmerge + coxph(Surv(tstart, tstop, malignancy) ~ relapsed + cluster(id))) the malignancy
// hazard after relapse against before.
//   dotnet run samples/14-patient-paths.cs
#:project ../src/CarTRisk.Plotting/CarTRisk.Plotting.csproj
using CarTRisk;
using CarTRisk.Plotting;

// Cell 1: synthetic paths: relapse (hazard 1/600 a day), malignancy (1/8000 a day, x3 after relapse), death
// (1/3000 a day, x3 after relapse, x4 after a malignancy), censoring at 4 years or earlier.
var rng = new Random(14);
double Exp(double rate) => -Math.Log(1 - rng.NextDouble()) / rate;
var start = new List<double>(); var stop = new List<double>(); var to = new List<string>(); var id = new List<string>();
var ids = new List<string>(); var followUp = new List<double>(); var malignancyStatus = new List<int>(); var changes = new List<TimeVaryingChange>();
for (int i = 0; i < 2000; i++)
{
    string pid = $"P{i:0000}";
    double t = 0, end = Math.Round(Math.Min(1461, 200 + Exp(1 / 1200.0)));
    bool relapsed = false, malignant = false;
    while (true)
    {
        double rRelapse = relapsed || malignant ? 0 : 1 / 600.0, rMal = malignant ? 0 : (relapsed ? 3 : 1) / 8000.0;
        double rDeath = (relapsed ? 3 : 1) * (malignant ? 4 : 1) / 3000.0, total = rRelapse + rMal + rDeath;
        double next = Math.Round(t + Exp(total)) + 1;
        if (next >= end)
        {
            if (end > t) { start.Add(t); stop.Add(end); to.Add("censor"); id.Add(pid); }
            break;
        }

        double u = rng.NextDouble() * total;
        string state = u < rRelapse ? "relapse" : u < rRelapse + rMal ? "malignancy" : "death";
        start.Add(t); stop.Add(next); to.Add(state); id.Add(pid);
        if (state == "relapse") { relapsed = true; changes.Add(new TimeVaryingChange(pid, next, "relapsed", 1)); }
        if (state == "malignancy") malignant = true;
        t = next;
        if (state == "death") break;
    }

    ids.Add(pid);
    changes.Add(new TimeVaryingChange(pid, 0, "relapsed", 0));
    followUp.Add(stop[^1]);
    int malIndex = Enumerable.Range(0, to.Count).Where(k => id[k] == pid && to[k] == "malignancy").DefaultIfEmpty(-1).First();
    if (malIndex >= 0) followUp[^1] = stop[malIndex];
    malignancyStatus.Add(malIndex >= 0 ? 1 : 0);
}

// Cell 2: the multi-state Aalen-Johansen: probability of each state at 1, 2 and 3 years, with numbers at risk.
var fit = MultiState.AalenJohansen(start.ToArray(), stop.ToArray(), to, id);
Console.WriteLine(fit.ToTable([365, 730, 1095]).ToText());
var three = fit.At(1095);
Console.WriteLine($"Alive with a secondary malignancy at 3 years: {three.Probability[fit.States.IndexOf("malignancy")]:P2} (se {three.StdErr[fit.States.IndexOf("malignancy")]:P2})");
Console.WriteLine("Transitions: " + string.Join(", ", fit.Transitions.Select(t => $"{t.From}->{t.To}")));
string figure = Path.Combine(args.Length > 0 ? args[0] : Directory.CreateTempSubdirectory("cartrisk-paths-").FullName, "state-occupation.png");
Figures.StateOccupation(fit, ["Alive, no event", "Death", "Malignancy", "Relapse"], FigureOptions.Default with { Title = "Where the patients are", Scale = TimeScale.Years })
    .SavePng(figure);
Figures.TransitionDiagram(fit, ["Alive, no event", "Death", "Malignancy", "Relapse"], FigureOptions.Default with { Title = "Transitions observed", Height = 420 })
    .SavePng(Path.Combine(Path.GetDirectoryName(figure)!, "transitions.png"));
Console.WriteLine($"wrote {figure} and transitions.png");

// Cell 3: relapse as a time-dependent covariate: the malignancy hazard after relapse against before.
var rows = CountingProcess.Tmerge(ids, followUp.ToArray(), malignancyStatus.ToArray(), changes);
var cox = CoxRegression.Fit(rows.Stop.AsSpan(), rows.Status.Select(s => s != 0).ToArray(), rows.Design("relapsed"),
    CoxOptions.Default with { EntryTimes = rows.Start.ToArray(), Cluster = rows.Ids.ToArray() });
Console.WriteLine(cox.ToTable().ToText());
Console.WriteLine($"Malignancy hazard ratio after relapse: {cox.HazardRatio[0]:0.00} ({cox.Lower[0]:0.00} to {cox.Upper[0]:0.00}), robust SE by patient; the simulation used 3");
