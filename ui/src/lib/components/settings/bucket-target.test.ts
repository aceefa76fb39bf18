import { beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent, waitFor, within } from '@testing-library/svelte';
import * as api from '$lib/api';
import type { RemoteProblem, TargetList, WireError } from '$lib/api';
import TargetsSection from './targets-section.svelte';
import { AppState } from '$lib/state/app.svelte';
import { REMOTE_ADVICE } from '$lib/state/errors';
import { toasts } from '$lib/state/toasts.svelte';
import { TestId } from '$lib/testids';
import { bucketTarget, targetSummary, targetTest } from '../../../test/fixtures';

vi.mock('$lib/api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/api')>()),
  targetList: vi.fn(),
  addTarget: vi.fn(),
  addBucketTarget: vi.fn(),
  testTarget: vi.fn(),
  testBucketLocation: vi.fn(),
  setTargetKey: vi.fn(),
  forgetTargetKey: vi.fn(),
  removableDrives: vi.fn(),
  inventoryStream: vi.fn(() => new Promise(() => {})),
  backupStatus: vi.fn(() => new Promise(() => {})),
}));

const list = (): TargetList => ({
  targets: [
    targetSummary({ name: 'backup', primary: true, path: '/media/u/T7/synapse-backup' }),
    bucketTarget(),
    bucketTarget({ name: 'Shared', read_only: true, path: 's3://models/shared', s3: { endpoint: 'http://nas.local:9000', bucket: 'models', prefix: 'shared', region: 'us-east-1', path_style: true } }),
  ],
  policy: { min_copies: 1, verify_max_age_days: 90, kinds: {}, packs: {} },
  blobs_below_policy: 0,
});

function row(name: string): HTMLElement {
  const r = screen.getAllByTestId(TestId.SettingsTarget).find((el) => el.dataset.target === name);
  if (!r) throw new Error(`no row for ${name}`);
  return r;
}

const remote = (problem: RemoteProblem): WireError => ({
  code: 'backup_not_connected',
  message: `target "Cloud" (http://nas.local:9000): the ${problem} message`,
  details: { target: 'Cloud', endpoint: 'http://nas.local:9000', problem },
});

async function openBucketForm() {
  const app = new AppState();
  vi.spyOn(app, 'refresh').mockResolvedValue();
  render(TargetsSection, { app });
  await screen.findAllByTestId(TestId.SettingsTarget);
  await fireEvent.click(screen.getByTestId(TestId.SettingsTargetAdd));
  const dialog = await screen.findByTestId(TestId.SettingsTargetAddDialog);
  const kind = within(dialog).getByTestId(TestId.SettingsTargetAddKind);
  const bucketKind = within(kind).getByRole('radio', { name: /S3-compatible bucket/ });
  await fireEvent.click(bucketKind);
  expect(bucketKind).toHaveAttribute('aria-checked', 'true');
  return within(dialog);
}

async function fill(d: ReturnType<typeof within>, key = true) {
  await fireEvent.input(d.getByTestId(TestId.BucketName), { target: { value: 'Cloud' } });
  await fireEvent.input(d.getByTestId(TestId.BucketEndpoint), { target: { value: ' http://nas.local:9000 ' } });
  await fireEvent.input(d.getByTestId(TestId.BucketBucket), { target: { value: 'models' } });
  await fireEvent.input(d.getByTestId(TestId.BucketPrefix), { target: { value: 'synapse' } });
  await fireEvent.click(d.getByTestId(TestId.BucketPathStyle));
  if (key) {
    await fireEvent.input(d.getByTestId(TestId.BucketKeyId), { target: { value: 'AKIAEXAMPLE' } });
    await fireEvent.input(d.getByTestId(TestId.BucketSecret), { target: { value: 's3cr3t' } });
  }
}

const location = { endpoint: 'http://nas.local:9000', bucket: 'models', prefix: 'synapse', region: 'us-east-1', path_style: true };

beforeEach(() => {
  vi.mocked(api.targetList).mockReset().mockResolvedValue(list());
  vi.mocked(api.addBucketTarget).mockReset();
  vi.mocked(api.testTarget).mockReset();
  vi.mocked(api.testBucketLocation).mockReset();
  vi.mocked(api.setTargetKey).mockReset().mockResolvedValue();
  vi.mocked(api.forgetTargetKey).mockReset().mockResolvedValue();
  vi.mocked(api.removableDrives).mockReset().mockResolvedValue([]);
  toasts.clear();
});

describe('Add target › S3-compatible bucket', () => {
  it('has every field, the path-style and keyring notes, a password field for the secret and us-east-1 by default', async () => {
    const d = await openBucketForm();
    for (const id of [TestId.BucketName, TestId.BucketEndpoint, TestId.BucketBucket, TestId.BucketPrefix, TestId.BucketKeyId]) expect(d.getByTestId(id)).toBeInTheDocument();
    expect(d.getByTestId(TestId.BucketRegion)).toHaveValue('us-east-1');
    expect(d.getByTestId(TestId.BucketSecret)).toHaveAttribute('type', 'password');
    expect(d.getByLabelText('Path-style addressing')).not.toBeChecked();
    expect(d.getByText(/MinIO, Garage and most NAS servers need it/)).toBeInTheDocument();
    expect(d.getByText(/kept in your OS keyring, never in the store’s state folder/i)).toBeInTheDocument();
    expect(d.getByText(/AWS_ACCESS_KEY_ID\/AWS_SECRET_ACCESS_KEY or ~\/.aws\/credentials/)).toBeInTheDocument();
    // Folder fields are gone while the bucket is chosen.
    expect(d.queryByTestId(TestId.SettingsTargetAddPath)).toBeNull();
  });

  it('Test connection sends the form (the key as typed) and shows each check that passed', async () => {
    vi.mocked(api.testBucketLocation).mockResolvedValue(targetTest({ credentials: null, checks: ['an access key was found (as typed here)', 'http://nas.local:9000 answers, the key is accepted and bucket "models" exists', '0 blob(s) listed'] }));
    const d = await openBucketForm();
    await fill(d);
    await fireEvent.click(d.getByTestId(TestId.BucketTest));
    const result = await d.findByTestId(TestId.TargetTestResult);
    expect(api.testBucketLocation).toHaveBeenCalledWith('Cloud', location, { access_key_id: 'AKIAEXAMPLE', secret_access_key: 's3cr3t' });
    expect(result.dataset.ok).toBe('true');
    expect(within(result).getAllByTestId(TestId.TargetTestCheck).map((c) => c.textContent)).toEqual([
      'an access key was found (as typed here)',
      'http://nas.local:9000 answers, the key is accepted and bucket "models" exists',
      '0 blob(s) listed',
    ]);
    expect(result).toHaveTextContent('It can be used for backups.');
    // Editing the form drops the result: it no longer says anything about what is typed.
    await fireEvent.input(d.getByTestId(TestId.BucketBucket), { target: { value: 'other' } });
    expect(d.queryByTestId(TestId.TargetTestResult)).toBeNull();
  });

  it('a prefix of another store tests as read only', async () => {
    vi.mocked(api.testBucketLocation).mockResolvedValue(targetTest({ read_only: true }));
    const d = await openBucketForm();
    await fill(d, false);
    await fireEvent.click(d.getByTestId(TestId.BucketTest));
    expect(await d.findByTestId(TestId.TargetTestResult)).toHaveTextContent('reading and restoring only');
    expect(api.testBucketLocation).toHaveBeenCalledWith('Cloud', location, null);
  });

  it.each(['unreachable', 'credentials', 'bucket_missing', 'clock_skew', 'permission', 'server'] as const)(
    'a %s problem is shown in words with what to do',
    async (problem) => {
      vi.mocked(api.testBucketLocation).mockRejectedValue(remote(problem));
      const d = await openBucketForm();
      await fill(d);
      await fireEvent.click(d.getByTestId(TestId.BucketTest));
      const result = await d.findByTestId(TestId.TargetTestResult);
      expect(result.dataset.ok).toBe('false');
      const shown = within(result).getByTestId(TestId.TargetTestProblem);
      expect(shown).toHaveTextContent(REMOTE_ADVICE[problem].title);
      expect(shown).toHaveTextContent(REMOTE_ADVICE[problem].action!);
      expect(shown).toHaveTextContent(`the ${problem} message`);
      expect(d.queryAllByTestId(TestId.TargetTestCheck)).toHaveLength(0);
    },
  );

  it('the six problems each have their own title and advice', () => {
    const titles = Object.values(REMOTE_ADVICE).map((a) => a.title);
    expect(new Set(titles).size).toBe(6);
    expect(REMOTE_ADVICE.clock_skew.action).toMatch(/clock/);
    expect(REMOTE_ADVICE.bucket_missing.action).toMatch(/Create the bucket/);
  });

  it('a refusal that names a field shows beside that field, not under the form', async () => {
    vi.mocked(api.testBucketLocation).mockRejectedValue({
      code: 'invalid_argument',
      message: 'S3 endpoint "nas.local:9000" is not an http(s) URL: give it as https://host[:port]',
      details: { usage: 'target add --s3', argument: 'endpoint', value: null },
    } satisfies WireError);
    const d = await openBucketForm();
    await fill(d);
    await fireEvent.click(d.getByTestId(TestId.BucketTest));
    const err = await d.findByTestId(TestId.BucketFieldError);
    expect(err.dataset.field).toBe('endpoint');
    expect(err).toHaveTextContent('is not an http(s) URL');
    expect(d.getByTestId(TestId.BucketEndpoint)).toHaveAttribute('aria-invalid', 'true');
    expect(d.getByTestId(TestId.BucketEndpoint)).toHaveAttribute('aria-describedby', err.id);
    expect(d.queryByTestId(TestId.TargetTestResult)).toBeNull();
    expect(d.queryByTestId(TestId.SettingsTargetAddError)).toBeNull();
  });

  it('empty name, endpoint or bucket are refused before anything is sent', async () => {
    const d = await openBucketForm();
    await fireEvent.click(d.getByTestId(TestId.BucketTest));
    expect(d.getAllByTestId(TestId.BucketFieldError).map((e) => e.dataset.field)).toEqual(['name', 'endpoint', 'bucket']);
    expect(api.testBucketLocation).not.toHaveBeenCalled();
  });

  it('Add sends the key once, clears it, closes, toasts and reloads', async () => {
    vi.mocked(api.addBucketTarget).mockResolvedValue({ name: 'Cloud', old_name: null, path: 's3://models/synapse', backup_id: 'b1', initialized: true, blobs: 0, blobs_below_policy: 0 });
    const d = await openBucketForm();
    await fill(d);
    await fireEvent.click(d.getByTestId(TestId.SettingsTargetAddSubmit));
    await waitFor(() => expect(screen.queryByTestId(TestId.SettingsTargetAddDialog)).toBeNull());
    expect(api.addBucketTarget).toHaveBeenCalledWith('Cloud', location, { access_key_id: 'AKIAEXAMPLE', secret_access_key: 's3cr3t' });
    expect(toasts.items.at(-1)?.title).toBe("Target 'Cloud' added");
    expect(toasts.items.at(-1)?.detail).toContain('now this store’s');
    expect(JSON.stringify(toasts.items)).not.toContain('s3cr3t');
    expect(api.targetList).toHaveBeenCalledTimes(2);
  });

  it('a failed add shows the problem under the form and keeps the dialog open', async () => {
    vi.mocked(api.addBucketTarget).mockRejectedValue(remote('bucket_missing'));
    const d = await openBucketForm();
    await fill(d);
    await fireEvent.click(d.getByTestId(TestId.SettingsTargetAddSubmit));
    expect(await d.findByTestId(TestId.SettingsTargetAddError)).toHaveTextContent(REMOTE_ADVICE.bucket_missing.title);
    expect(screen.getByTestId(TestId.SettingsTargetAddDialog)).toBeInTheDocument();
  });
});

describe('Settings › a bucket target row', () => {
  async function setup() {
    const app = new AppState();
    vi.spyOn(app, 'refresh').mockResolvedValue();
    render(TargetsSection, { app });
    await screen.findAllByTestId(TestId.SettingsTarget);
  }

  it('shows its s3:// address, Online, no free space, and read only for another store’s prefix', async () => {
    await setup();
    const cloud = row('Cloud');
    expect(within(cloud).getByTestId(TestId.SettingsTargetUrl)).toHaveTextContent('s3://models/synapse');
    expect(within(cloud).getByTestId(TestId.SettingsTargetState)).toHaveTextContent('Online');
    expect(within(cloud).queryByTestId(TestId.SettingsTargetSpace)).toBeNull();
    expect(within(cloud).queryByTestId(TestId.SettingsTargetReadOnly)).toBeNull();
    expect(within(row('Shared')).getByTestId(TestId.SettingsTargetReadOnly)).toHaveTextContent("read only (another store's)");
    expect(within(row('backup')).queryByTestId(TestId.SettingsTargetTest)).toBeNull();
  });

  it('Test connection shows the checks or the problem in the row', async () => {
    vi.mocked(api.testTarget).mockResolvedValueOnce(targetTest()).mockRejectedValueOnce(remote('clock_skew'));
    await setup();
    const cloud = row('Cloud');
    await fireEvent.click(within(cloud).getByTestId(TestId.SettingsTargetTest));
    expect(await within(cloud).findAllByTestId(TestId.TargetTestCheck)).toHaveLength(4);
    expect(api.testTarget).toHaveBeenCalledWith('Cloud');
    await fireEvent.click(within(cloud).getByTestId(TestId.SettingsTargetTest));
    expect(await within(cloud).findByTestId(TestId.TargetTestProblem)).toHaveTextContent(REMOTE_ADVICE.clock_skew.title);
  });

  it('Change key keeps both halves through setTargetKey; Forget key calls forgetTargetKey', async () => {
    await setup();
    await fireEvent.click(within(row('Cloud')).getByTestId(TestId.SettingsTargetChangeKey));
    const dialog = await screen.findByTestId(TestId.SettingsTargetKeyDialog);
    await fireEvent.click(within(dialog).getByTestId(TestId.SettingsTargetKeySave));
    expect(within(dialog).getByTestId(TestId.SettingsTargetKeyError)).toHaveTextContent('Give both');
    expect(api.setTargetKey).not.toHaveBeenCalled();
    await fireEvent.input(within(dialog).getByTestId(TestId.SettingsTargetKeyId), { target: { value: 'AKIA2' } });
    await fireEvent.input(within(dialog).getByTestId(TestId.SettingsTargetKeySecret), { target: { value: 'new-secret' } });
    expect(within(dialog).getByTestId(TestId.SettingsTargetKeySecret)).toHaveAttribute('type', 'password');
    await fireEvent.click(within(dialog).getByTestId(TestId.SettingsTargetKeySave));
    await waitFor(() => expect(api.setTargetKey).toHaveBeenCalledWith('Cloud', { access_key_id: 'AKIA2', secret_access_key: 'new-secret' }));
    await fireEvent.click(within(row('Cloud')).getByTestId(TestId.SettingsTargetForgetKey));
    await waitFor(() => expect(api.forgetTargetKey).toHaveBeenCalledWith('Cloud'));
    expect(JSON.stringify(toasts.items)).not.toContain('new-secret');
  });
});
