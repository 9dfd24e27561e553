// Usage: FreshProcessScoring <model.zip> <input.tsv> <output.tsv>
// The input has the columns Label and Sentence (a header row, then one row per line); the output has, per row, the
// float columns of every output whose name ends in "Score", written round-trip ("R").
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.TempBalance.MLNet;

var ml = new MLContext(seed: 0);
ITransformer model = ml.Model.LoadTorchModel(args[0], out _);
var rows = File.ReadLines(args[1]).Skip(1).Select(l => l.Split('\t')).Select(f => new Row { Label = f[0], Sentence = f[1] }).ToList();
IDataView scored = model.Transform(ml.Data.LoadFromEnumerable(rows));
var lines = new List<string>();
var columns = scored.Schema.Where(c => c.Name.EndsWith("Score", StringComparison.Ordinal) && !c.IsHidden).ToList();
lines.Add(string.Join("\t", columns.Select(c => c.Name)));
var values = columns.Select(c => c.Type is VectorDataViewType
    ? scored.GetColumn<float[]>(c).Select(v => string.Join(",", v.Select(x => x.ToString("R", CultureInfo.InvariantCulture)))).ToList()
    : scored.GetColumn<float>(c).Select(x => x.ToString("R", CultureInfo.InvariantCulture)).ToList()).ToList();
for (int i = 0; i < rows.Count; i++)
{
    lines.Add(string.Join("\t", values.Select(v => v[i])));
}

File.WriteAllLines(args[2], lines);
return 0;

internal sealed class Row
{
    public string Label { get; set; } = "";

    public string Sentence { get; set; } = "";
}
