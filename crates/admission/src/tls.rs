//! Serving certificates: files reloaded when they change, or a CA and serving certificate
//! made at start.

use crate::error::{Error, Result};
use axum_server::tls_rustls::RustlsConfig;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose,
};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Where the serving certificate comes from.
#[derive(Debug, Clone)]
pub enum TlsSource {
    /// PEM files, watched and reloaded when they change (a rotated Secret).
    Files {
        /// Certificate chain.
        cert: PathBuf,
        /// Private key.
        key: PathBuf,
    },
    /// A CA and a certificate for these DNS names (or IP addresses), made at start.
    SelfSigned {
        /// Subject alternative names of the serving certificate.
        names: Vec<String>,
        /// Where to write the CA certificate (the webhook configuration's `caBundle`).
        ca_bundle_out: Option<PathBuf>,
    },
}

/// A CA and a serving certificate signed by it, in PEM.
#[derive(Debug, Clone)]
pub struct SelfSigned {
    /// The CA certificate.
    pub ca_pem: String,
    /// The serving certificate.
    pub cert_pem: String,
    /// The serving certificate's private key.
    pub key_pem: String,
}

/// Makes a CA ("kanon webhook CA") and a serving certificate for `names`.
pub fn self_signed(names: &[String]) -> Result<SelfSigned> {
    let tls = |e: rcgen::Error| Error::Tls(e.to_string());
    let ca_key = KeyPair::generate().map_err(tls)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(tls)?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca_params.distinguished_name = DistinguishedName::new();
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "kanon webhook CA");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca = CertifiedIssuer::self_signed(ca_params, ca_key).map_err(tls)?;
    let key = KeyPair::generate().map_err(tls)?;
    let mut params = CertificateParams::new(names.to_vec()).map_err(tls)?;
    params.distinguished_name = DistinguishedName::new();
    params.distinguished_name.push(
        DnType::CommonName,
        names.first().map_or("kanon", String::as_str),
    );
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    let cert = params.signed_by(&key, &ca).map_err(tls)?;
    Ok(SelfSigned {
        ca_pem: ca.pem(),
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    })
}

/// Installs ring as rustls's process-wide crypto provider (once; later calls do nothing).
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The rustls configuration for a source; writes the CA bundle of a self-signed one.
pub(crate) async fn config(source: &TlsSource) -> Result<RustlsConfig> {
    install_crypto_provider();
    match source {
        TlsSource::Files { cert, key } => RustlsConfig::from_pem_file(cert, key)
            .await
            .map_err(|e| Error::Tls(format!("{} / {}: {e}", cert.display(), key.display()))),
        TlsSource::SelfSigned {
            names,
            ca_bundle_out,
        } => {
            let made = self_signed(names)?;
            if let Some(path) = ca_bundle_out {
                std::fs::write(path, &made.ca_pem).map_err(|source| Error::Write {
                    path: path.clone(),
                    source,
                })?;
            }
            RustlsConfig::from_pem(made.cert_pem.into_bytes(), made.key_pem.into_bytes())
                .await
                .map_err(|e| Error::Tls(e.to_string()))
        }
    }
}

/// When the certificate files were last changed (`None` if unreadable).
pub(crate) fn files_stamp(cert: &Path, key: &Path) -> Option<(SystemTime, SystemTime, u64)> {
    let modified = |p: &Path| std::fs::metadata(p).ok()?.modified().ok();
    let size = std::fs::metadata(cert).ok()?.len() + std::fs::metadata(key).ok()?.len();
    Some((modified(cert)?, modified(key)?, size))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn self_signed_certificates_are_pem() {
        let made = self_signed(&["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
        assert!(made.ca_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(made.cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(made.key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        assert_ne!(made.ca_pem, made.cert_pem);
    }
}
