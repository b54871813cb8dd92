// Issue 25: FaersExtract on a generated extract the size of a real FAERS quarter (DEMO, DRUG and REAC as '$'-separated
// ASCII, about 350 MB together), timed, with the process's peak working set; then the pair counts of its rows.
//   dotnet run -c Release benchmarks/bench-faers.cs -- [reports]     (default 450000: ~350 MB)
// The files are written to a fresh temp folder and deleted afterwards.
#:project ../src/CarTRisk/CarTRisk.csproj
#:property TreatWarningsAsErrors=false
using System.Diagnostics;
using System.Globalization;
using CarTRisk;

var C = CultureInfo.InvariantCulture;
int reports = args.Length > 0 ? int.Parse(args[0], C) : 450_000;
string dir = Directory.CreateTempSubdirectory("cartrisk-faers-bench-").FullName;
string demo = Path.Combine(dir, "DEMO.txt"), drug = Path.Combine(dir, "DRUG.txt"), reac = Path.Combine(dir, "REAC.txt");
var rng = new Random(25);
string[] roles = ["PS", "SS", "C", "C", "C", "I"];
using (var wd = new StreamWriter(demo))
using (var wg = new StreamWriter(drug))
using (var wr = new StreamWriter(reac))
{
    // FAERS column sets (abridged to their real widths with filler columns)
    wd.Write("primaryid$caseid$caseversion$i_f_code$event_dt$mfr_dt$init_fda_dt$fda_dt$rept_cod$auth_num$mfr_num$mfr_sndr$lit_ref$age$age_cod$age_grp$sex$e_sub$wt$wt_cod$rept_dt$to_mfr$occp_cod$reporter_country$occr_country\n");
    wg.Write("primaryid$caseid$drug_seq$role_cod$drugname$prod_ai$val_vbm$route$dose_vbm$cum_dose_chr$cum_dose_unit$dechal$rechal$lot_num$exp_dt$nda_num$dose_amt$dose_unit$dose_form$dose_freq\n");
    wr.Write("primaryid$caseid$pt$drug_rec_act\n");
    for (int i = 0; i < reports; i++)
    {
        long caseId = 10_000_000 + (i * 7 / 8);   // about one case in eight has two versions
        long primary = 100_000_000L + i;
        int version = i > 0 && caseId == 10_000_000 + ((i - 1) * 7 / 8) ? 2 : 1;
        wd.Write(string.Create(C, $"{primary}${caseId}${version}$F$20230{1 + (i % 9)}15$2023{10 + (i % 3)}01$20230101$2024{10 + (i % 3)}0{1 + (i % 9)}$EXP$$MFR-{i}-2024$ACME PHARMACEUTICALS$$" +
            $"{rng.Next(1, 95)}$YR$${(rng.Next(2) == 0 ? "F" : "M")}$Y${rng.Next(40, 120)}$KG$20241001$$MD$US$US\n"));
        int nd = 1 + rng.Next(6);
        for (int k = 0; k < nd; k++)
        {
            int dd = rng.Next(4000);
            wg.Write(string.Create(C, $"{primary}${caseId}${k + 1}${roles[rng.Next(roles.Length)]}$DRUGNAME {dd} TABLETS$ACTIVE INGREDIENT {dd}$1$ORAL$100 MG, QD$$$D$U$LOT{rng.Next(99999)}$$0{rng.Next(99999)}$100$MG$TABLET$QD\n"));
        }

        int ne = 1 + rng.Next(4);
        for (int k = 0; k < ne; k++)
        {
            wr.Write(string.Create(C, $"{primary}${caseId}$PREFERRED TERM {rng.Next(6000)}$\n"));
        }
    }
}

long bytes = new[] { demo, drug, reac }.Sum(f => new FileInfo(f).Length);
var proc = Process.GetCurrentProcess();
proc.Refresh();
long before = proc.PeakWorkingSet64;
var sw = Stopwatch.StartNew();
var rows = FaersExtract.Read(demo, drug, reac, FaersOptions.Default with { Stratify = true });
double readSeconds = sw.Elapsed.TotalSeconds;
proc.Refresh();
Console.WriteLine(string.Create(C, $"{reports} reports, {bytes / 1e6:F0} MB of ASCII: read in {readSeconds:F1} s, {rows.ReportIds.Length} report x drug x event rows, {rows.Cases} cases; peak working set {proc.PeakWorkingSet64 / 1e6:F0} MB (before reading {before / 1e6:F0} MB, after writing the files)"));
sw.Restart();
var pairs = rows.ToPairCounts();
Console.WriteLine(string.Create(C, $"pair counts (stratified expected): {sw.Elapsed.TotalSeconds:F1} s, {pairs.Observed.Length} pairs"));
Directory.Delete(dir, recursive: true);
