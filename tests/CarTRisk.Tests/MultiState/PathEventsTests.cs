namespace CarTRisk.Tests.MultiState;

/// <summary>The long-format events file: paths built from the events and the cohort's malignancy and death, and every
/// bad row listed with line, column, value and reason.</summary>
public sealed class PathEventsTests
{
    private const string CohortText = """
        patient_id,product,infusion_date,last_followup_date,malignancy_date,malignancy_type,death_date,transgene
        A,axi-cel,2020-01-01,2021-01-01,,,,
        B,axi-cel,2020-01-01,2020-06-01,2020-03-01,T-cell lymphoma,2020-09-01,positive
        C,tisa-cel,2020-01-01,2020-01-01,,,,
        D,tisa-cel,2020-01-01,2020-12-01,,,2020-08-01,
        """;

    private static Cohort Cohort() => CohortCsv.Parse(new StringReader(CohortText));

    [Fact]
    public void Paths_FollowEventsMalignancyAndDeath()
    {
        var paths = PathEvents.Parse(new StringReader("patient_id,date,state\nA,2020-02-01,relapse\nB,2020-02-01,relapse\nD,2020-03-01,cytopenia\n"), Cohort());
        var rows = paths.Ids.Select((id, i) => $"{id}:{paths.Start[i]}-{paths.Stop[i]}:{paths.ToState[i]}").ToArray();
        Assert.Equal(["A:0-31:relapse", "A:31-366:censor", "B:0-31:relapse", "B:31-60:malignancy", "B:60-244:death", "D:0-60:cytopenia", "D:60-213:death"], rows);
        Assert.Equal(1, paths.PatientsWithoutFollowUp);   // C: no follow-up time
        var fit = paths.AalenJohansen();
        Assert.Contains("relapse", fit.States);
        Assert.Equal(0, fit.At(0).Probability[fit.States.IndexOf("death")]);
    }

    [Fact]
    public void BadRows_AreListed()
    {
        var text = "patient_id,date,state\nZ,2020-02-01,relapse\nA,2020-13-01,relapse\nA,2019-12-01,relapse\nA,2022-01-01,relapse\nA,2020-02-01, relapse\nB,2020-03-01,relapse\nA,2020-02-01,death\n";
        var e = Assert.Throws<CohortFormatException>(() => PathEvents.Parse(new StringReader(text), Cohort()));
        var reasons = e.Errors.Select(x => $"{x.Line}:{x.Column}").ToArray();
        Assert.Contains("2:patient_id", reasons);
        Assert.Contains("3:date", reasons);
        Assert.Contains("4:date", reasons);
        Assert.Contains("5:date", reasons);
        Assert.Contains("6:state", reasons);
        Assert.Contains("7:date", reasons);     // B: relapse on the malignancy day
        Assert.Contains("8:state", reasons);    // reserved
        Assert.Throws<CohortFormatException>(() => PathEvents.Parse(new StringReader("patient_id,day,state\n"), Cohort()));
    }
}
