/** `vigil sniff -r FILE.pcap [--json]` (placeholder until the codec lands). */
export async function runSniff(_argv: readonly string[]): Promise<number> {
  process.stderr.write('vigil sniff: not implemented yet\n');
  return 1;
}
