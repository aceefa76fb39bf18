/** The CLI reference shown on the Help page (README "The CLI" and SPEC §5). */
export type CliGroup = { title: string; commands: { cmd: string; what: string }[] };

export const CLI_REFERENCE: CliGroup[] = [
  {
    title: 'Store',
    commands: [
      { cmd: 'synapse init [--root DIR]', what: 'Create an empty store.' },
      { cmd: 'synapse demo DIR', what: 'Create a demo store (DIR/store) and its backup drive (DIR/backup-drive).' },
      { cmd: 'synapse doctor [--fix]', what: 'Consistency checks; --fix repairs what is safe to repair.' },
    ],
  },
  {
    title: 'Inventory',
    commands: [
      { cmd: 'synapse inventory', what: 'Every blob: name, kind, size, status, location, packs, hash.' },
      { cmd: 'synapse inventory --summary', what: 'Counts and bytes by status and kind, disk, backup.' },
      { cmd: 'synapse inventory --status orphan --kind lora --search detail --sort name_asc --limit 50', what: 'Filter, search and sort (sort keys: size_desc, size_asc, name_asc, name_desc, kind, status, location).' },
      { cmd: 'synapse inventory --corrupt', what: 'Only models with a copy known to be corrupt (recorded by verify or scrub).' },
      { cmd: 'synapse inventory --below-policy | --copies-below N', what: 'Only models with fewer good copies than the copies policy asks, or than N (this disk and every target counted).' },
      { cmd: 'synapse whereis <hash|prefix|name>', what: 'Every copy of a model: on this disk and on each target, when each was last verified, whether its target is connected.' },
      { cmd: 'synapse inventory show <hash|prefix>', what: 'One blob: names, SHA-256 and AutoV2, impacts, file paths and UI links.' },
      { cmd: 'synapse identify [<hash|prefix|AutoV2>... | --orphans | --unnamed | --all] [--refresh]', what: 'Ask Civitai what models are, by SHA-256 only and only when you run it: model and version name, base model, kind, trigger words, a preview image. Answers are cached (data/cache/metadata/; not found is asked again after 30 days), a blob without a manifest gets one, and the inventory shows and searches the names. At most 4 requests at a time, 429 waits honoured; API key from CIVITAI_API_KEY (optional). Exit 0 when the run completed (not found is not an error), 1 when some blobs failed, 4 when Civitai cannot be reached (the run stops with one message).' },
      { cmd: 'synapse inventory impacts <hash|prefix>', what: 'What deleting it would break.' },
      { cmd: 'synapse inventory delete <hash|prefix> [--target local|backup|both] [--force]', what: 'Delete with guard rails: the last copy and referenced blobs need --force.' },
      { cmd: 'synapse inventory cleanup [--execute] [--max-items N]', what: 'Orphans and stale partial files (dry run by default).' },
      { cmd: 'synapse inventory verify [--all | --backup | <hash>...]', what: 'Re-hash blobs; exit 7 when one is corrupt (it is recorded and stops counting as a copy).' },
      { cmd: 'synapse repair <hash>... | --all [--dry-run] [--save-plan F | --apply F]', what: 'Replace corrupt copies from a good copy; the bad file is kept in data/quarantine/. Exit 7 when one cannot be repaired (a corrupt only copy stays, marked).' },
    ],
  },
  {
    title: 'Backup',
    commands: [
      { cmd: 'synapse backup status', what: 'Configuration, connection, and what the drive holds.' },
      { cmd: 'synapse backup config --path P --enable', what: 'Configure (and initialise) the backup; also --disable, --auto-backup-new, --warn-last-copy.' },
      { cmd: 'synapse backup blob <hash>', what: 'Copy one blob to the backup (hash-checked).' },
      { cmd: 'synapse backup restore <hash>', what: 'Copy one blob back from the backup.' },
      { cmd: 'synapse backup delete <hash> [--force]', what: 'Delete the backup copy (guard rails apply).' },
      { cmd: 'synapse backup sync [--direction to_backup|from_backup] [--execute]', what: 'Copy everything missing on one side (dry run by default).' },
      { cmd: 'synapse backup verify', what: 'Re-hash every blob on the backup drive.' },
      { cmd: 'synapse backup push <pack> [--execute] [--free]', what: 'Back up a pack; --free then deletes local copies that are verified on the backup.' },
      { cmd: 'synapse backup pull <pack> [--execute]', what: 'Restore a pack\u2019s backup-only blobs (never downloads).' },
      { cmd: 'synapse backup pack-status <pack>', what: 'Where each blob of a pack is.' },
      { cmd: 'synapse backup state-status', what: 'Pack metadata here vs on the backup.' },
      { cmd: 'synapse backup state-sync [--direction to_backup|from_backup] [--execute] [--include-git]', what: 'Mirror state/ (packs, previews, workflows, config).' },
    ],
  },
  {
    title: 'Backup targets and the copies policy',
    commands: [
      { cmd: 'synapse target add NAME --path DIR', what: 'Add another drive or folder as a backup target (a backup is made there, or the one there adopted). Every backup command takes --target NAME.' },
      { cmd: 'synapse target add NAME --s3 ENDPOINT --bucket B [--prefix P] [--region R] [--path-style]', what: 'Add an S3-compatible bucket (MinIO, Garage, B2, R2, Wasabi, AWS) as a target. The key comes from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, ~/.aws/credentials or the OS keyring; a prefix another store owns is added read-only.' },
      { cmd: 'synapse target test NAME', what: 'Check that a target can be used now and say exactly what is wrong: unreachable, key refused, bucket missing, clock skew, permissions.' },
      { cmd: 'synapse target key NAME [--forget]', what: "Keep a bucket's key (\"ACCESS_KEY_ID SECRET\" on stdin) in the OS keyring, or remove it. It is never written to state/." },
      { cmd: 'synapse target list', what: 'Every target: where it is, connected / not connected / not answering, what it holds, free space; and the policy.' },
      { cmd: 'synapse target rename OLD NEW / enable NAME / disable NAME', what: 'Rename a target, or switch it off and on (nothing on it is touched; a switched-off target’s copies do not count).' },
      { cmd: 'synapse target remove NAME [--force]', what: 'Forget a target (nothing on it is deleted); refused with exit 3 while the copies policy needs its copies.' },
      { cmd: 'synapse target policy [--min-copies N] [--kind KIND=N] [--pack PACK=N] [--verify-max-age 90d]', what: 'Show or change how many good copies each used model keeps; removing a copy below it is refused (below_min_copies, exit 3).' },
      { cmd: 'synapse backup sync --all [--execute]', what: 'Plan (and with --execute make) the copies that bring every model up to the policy over the connected targets; says what still falls short and which target would fix it.' },
      { cmd: 'synapse scrub [--target NAME|local] [--budget 20min|50GB] [--repair]', what: 'Re-hash the copies verified longest ago first, within a budget; corrupt ones are recorded, and with --repair replaced from a good copy elsewhere.' },
    ],
  },
  {
    title: 'Packs, models and UIs',
    commands: [
      { cmd: 'synapse pack list | show NAME | create NAME FILE... | add NAME FILE... | delete NAME', what: 'Manage packs; deleting a pack leaves its blobs (unused ones become orphans).' },
      { cmd: 'synapse pack rename OLD NEW', what: 'Rename a pack; the profiles and recorded UI links follow.' },
      { cmd: 'synapse pack set-kind NAME <dependency-id|--all> KIND', what: 'Change the kind of a pack\u2019s models: it decides the UI folder use links them into.' },
      { cmd: 'synapse adopt <folder> [--execute] [--link]', what: 'Bring an existing models folder into the store, once per distinct file.' },
      { cmd: 'synapse ui add <name> --kind comfyui|forge|a1111|sdnext --path P', what: 'Register a UI installation (also ui list, ui remove).' },
      { cmd: 'synapse use <pack> [--ui NAME] [--yes] [--dry-run] / unuse <pack> [--dry-run]', what: 'Link a pack\u2019s models into a UI (restoring backup-only ones first); unuse removes exactly the links use made.' },
      { cmd: 'synapse workflow check <file.json|file.png|infotext.txt> [--ui NAME]', what: 'Which models a ComfyUI workflow (UI or API JSON, or a PNG it made) or an A1111/Forge image needs: present, on_backup, downloadable, missing, ambiguous or unrecognised, matched by hash then by name; --ui also says whether each is linked into that UI. Reads only; exit 0 whatever the statuses (--json has all_present).' },
      { cmd: 'synapse workflow use <file> --ui NAME [--yes] [--save-plan FILE | --apply FILE]', what: 'Make a workflow runnable in a UI. Without --yes, the plan: per model link, restore (from which backup target), download (URL, host, size, how it is checked) or why it cannot be done, with the free space. With --yes: restores, downloads (http(s) only, resumable, stopped at the expected size or 64 GiB, hash-checked when a hash is known, otherwise kept as unverified), then links each model under the file name the workflow expects, sub-folders included; names with .. or absolute paths and links in the way are refused; a name taken by another file refuses the apply (exit 3). unuse workflow:<file name> removes the links.' },
      { cmd: 'synapse workflow pack <file> --name N [--ui NAME] [--allow-missing]', what: 'Write a pack of type workflow whose lock pins the blobs the workflow\u2019s models resolve to (hash, size, kind, expected file name, URL), with the workflow file in it. Refused (exit 5, nothing written) while a model does not resolve to one blob, unless --allow-missing.' },
    ],
  },
  {
    title: 'Packages (move packs between machines)',
    commands: [
      { cmd: 'synapse package export <pack>... --out DIR|FILE.tar [--no-blobs]', what: 'Write packs and their blobs into a new folder, or one .tar file when the path ends in .tar; --no-blobs writes the metadata only.' },
      { cmd: 'synapse package validate <path>', what: 'Check a package without writing anything (format, sizes, every SHA-256) and classify its packs against the store; exit 7 when invalid.' },
      { cmd: 'synapse package import <path> [--strategy S] [--set PACK=S]... [--execute]', what: 'Show what an import would do, or do it with --execute. S: skip_if_exists (default), update_if_newer, always_overwrite, create_duplicate.' },
    ],
  },
];

export const GLOBAL_FLAGS = [
  { flag: '--save-plan FILE / --apply FILE', what: 'On cleanup, backup sync, push, pull, adopt, use and package import: save a dry run\u2019s plan, and later apply exactly that plan (same store, within 24 hours; changed items are skipped with the reason).' },
  { flag: '--root <dir>', what: 'The store (else SYNAPSE_ROOT, else ~/.synapse/store).' },
  { flag: '--json', what: 'Machine-readable output; errors are {"error": {"code", "message", "details"}}.' },
  { flag: '--quiet', what: 'Only errors.' },
  { flag: '--yes', what: 'Answer confirmations.' },
];

export const EXIT_CODES = [
  { code: '0', what: 'Success (including a dry run and "nothing to do")' },
  { code: '1', what: 'Other error' },
  { code: '2', what: 'Usage error / invalid argument' },
  { code: '3', what: 'Refused by a guard rail (last_copy, in_use, name_clash, restore_needed, git_working_tree, packs_unreadable)' },
  { code: '4', what: 'Backup not enabled or not connected, a target that does not answer, or Civitai unreachable (identify)' },
  { code: '5', what: 'Not found' },
  { code: '6', what: 'Not enough space' },
  { code: '7', what: 'Integrity failure' },
  { code: '8', what: 'Store busy' },
  { code: '130', what: 'Cancelled (Ctrl-C)' },
];
