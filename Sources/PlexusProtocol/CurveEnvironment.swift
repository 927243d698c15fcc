/// How CURVE keys reach a plugin or a client (docs/SECURITY.md): the environment variables the broker
/// sets for each process it starts, and what a peer the broker refused does.
public enum CurveEnvironment {
    /// The peer's secret key (Z85). The broker sets it for each supervised process, fresh per spawn.
    public static let secretKey = "PLEXUS_CURVE_SECRET_KEY"
    /// The peer's public key (Z85); derived from the secret key when absent.
    public static let publicKey = "PLEXUS_CURVE_PUBLIC_KEY"
    /// The broker's public key (Z85).
    public static let serverKey = "PLEXUS_CURVE_SERVER_KEY"
    /// A file holding the peer's secret key (as `plexus keygen NAME` writes `NAME.key`), instead of
    /// `PLEXUS_CURVE_SECRET_KEY`.
    public static let secretKeyFile = "PLEXUS_CURVE_SECRET_KEY_FILE"
    /// The exit status of a plugin whose key the broker refused; the supervisor reports it as `denied`.
    public static let deniedExitCode: Int32 = 77
    /// What such a plugin prints before it exits.
    public static let deniedMessage = "the broker refused this plugin's key"
}
