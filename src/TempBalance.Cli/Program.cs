using Microsoft.ML.TempBalance.Cli;

return CliApp.Run(args, Console.Out, Console.Error);
