import IntakeCore

extension ReasonCode {
    /// The HTTP status a rejection is answered with (docs/openapi.json):
    /// - 400: the body is not an envelope (`malformed`, `not-a-regular-file`);
    /// - 403: who signed it may not submit (`untrusted-signer`, `cert-expired`, `unknown-signer`, `wrong-agency`);
    /// - 409: the case is not in a state to take it (`case-closed`, `agency-not-expected`);
    /// - 413: `too-large`;
    /// - 422: an envelope that cannot be opened or does not hold a valid return (`not-for-us`,
    ///   `decrypt-failed`, `weak-crypto`, `bad-signature`, `unknown-case`, `invalid-return`).
    var httpStatus: Int {
        switch self {
        case .malformed, .notARegularFile: 400
        case .untrustedSigner, .certExpired, .unknownSigner, .wrongAgency: 403
        case .caseClosed, .agencyNotExpected: 409
        case .tooLarge: 413
        case .notForUs, .decryptFailed, .weakCrypto, .badSignature, .unknownCase, .invalidReturn: 422
        }
    }
}
