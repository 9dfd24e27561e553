// A SciML user's program, built against Microsoft.ML.TempBalance.SciML alone.
// Usage: SciMLOnlyApp score <model.zip> <features.json> <scores.json>
//   Loads a saved PDE model and writes the Score vector of each input (a JSON array of Features vectors) as JSON.
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.TempBalance.MLNet;

if (args is not ["score", var modelPath, var featuresPath, var scoresPath])
{
    Console.Error.WriteLine("usage: SciMLOnlyApp score <model.zip> <features.json> <scores.json>");
    return 2;
}

var ml = new MLContext(seed: 1);
ITransformer model = ml.Model.LoadTorchModel(modelPath, out _);
float[][] features = JsonSerializer.Deserialize<float[][]>(File.ReadAllText(featuresPath))
    ?? throw new InvalidDataException($"'{featuresPath}' holds no feature vectors.");
SchemaDefinition schema = SchemaDefinition.Create(typeof(Row));
schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, features[0].Length);
IDataView rows = ml.Data.LoadFromEnumerable(features.Select(f => new Row { Features = f }), schema);
float[][] scores = model.Transform(rows).GetColumn<float[]>("Score").ToArray();
File.WriteAllText(scoresPath, JsonSerializer.Serialize(scores));
return 0;

internal sealed class Row
{
    public float[] Features { get; set; } = Array.Empty<float>();
}
