/// Quotes a path for a YAML flow sequence.
func yamlQuoted(_ text: String) -> String { "\"\(text)\"" }

/// A topology that launches only the greeter, with its default config.
var greeterOnlyTopology: String {
    """
    plugins:
      greeter:
        command: [\(yamlQuoted(Paths.greeter))]
    """
}

/// The `command:` line for the Python test plugin.
var testPluginCommand: String {
    "[python3, \(yamlQuoted(Paths.fixture("test_plugin.py")))]"
}
