/**
 * The client certificate meshops presents to a control plane that authenticates admins by one (Kuma's
 * `apiServer.authn.type: adminClientCerts`), from `--client-cert-file` and `--client-key-file`, as kumactl takes them.
 * Read again when either file changes (rereadFiles.ts), so a renewed certificate needs no restart; a refused one looks
 * at once (`refresh`, as a 401 does for --token-file); a pair whose key is
 * not the certificate's (one file of a rotation written before the other) is no pair: the last good one stays. Messages
 * name the files, never the key.
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import { readNamedFile, RereadFiles, type Reading, type RereadOptions } from "./rereadFiles.js";

/** PEM texts, as node:tls takes them. */
export interface ClientCertificate {
  readonly cert: string;
  readonly key: string;
}

/** A client certificate that may change while a client runs. */
export interface ClientCertificateSource {
  /** The pair to present now. Cheap: called for every request. */
  current(): ClientCertificate;
  /** Looks again at once (the control plane refused the pair); true when the pair changed. */
  refresh(): boolean;
  /** Where the certificate comes from, for a message about a refused one (`--client-cert-file /run/tls.crt`). */
  readonly origin: string;
}

export class ClientCertificateFiles implements ClientCertificateSource {
  readonly #files: RereadFiles<ClientCertificate>;
  readonly origin: string;

  /** Reads both files now: a pair that cannot be used at start is an error (a BackendError naming the file). */
  constructor(certFile: string, keyFile: string, options: RereadOptions = {}) {
    this.origin = `--client-cert-file ${certFile}`;
    const name = (file: string) => (file === certFile ? `--client-cert-file ${file}` : `--client-key-file ${file}`);
    this.#files = new RereadFiles(
      { paths: [certFile, keyFile], read: () => readPair(certFile, keyFile), name, what: "the client certificate", same: (a, b) => a.cert === b.cert && a.key === b.key },
      options,
    );
  }

  current(): ClientCertificate {
    return this.#files.current();
  }

  refresh(): boolean {
    return this.#files.refresh();
  }
}

function readPair(certFile: string, keyFile: string): Reading<ClientCertificate> {
  const cert = readNamedFile(certFile, `--client-cert-file ${certFile}`);
  if (typeof cert !== "string") return cert;
  const key = readNamedFile(keyFile, `--client-key-file ${keyFile}`);
  if (typeof key !== "string") return key;
  let certificate: X509Certificate;
  try {
    if (!cert.includes("-----BEGIN CERTIFICATE-----")) throw new Error("no PEM certificate");
    certificate = new X509Certificate(cert);
  } catch {
    return { problem: `--client-cert-file ${certFile} holds no PEM certificate` };
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) throw new Error("no PEM private key");
    privateKey = createPrivateKey(key);
  } catch {
    // Its error is not quoted: OpenSSL's words about a key are no business of a log.
    return { problem: `--client-key-file ${keyFile} holds no unencrypted PEM private key` };
  }
  if (!certificate.checkPrivateKey(privateKey)) return { problem: `--client-key-file ${keyFile} is not the key of the certificate in --client-cert-file ${certFile}` };
  return { value: { cert, key } };
}
