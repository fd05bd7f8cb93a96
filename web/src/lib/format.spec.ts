import { formatBytes, formatDuration, formatEta, formatMoment, formatPercent, formatSpan, formatSpeed } from './format';

describe('sizes and speeds', () => {
  it('counts in decimal units with one decimal below ten', () => {
    expect(formatBytes(0, 'en')).toBe('0 B');
    expect(formatBytes(999, 'en')).toBe('999 B');
    expect(formatBytes(1_500, 'en')).toBe('1.5 kB');
    expect(formatBytes(1_530_000, 'en')).toBe('1.5 MB');
    expect(formatBytes(152_400_000, 'en')).toBe('152 MB');
    expect(formatBytes(2_100_000_000, 'en')).toBe('2.1 GB');
    expect(formatBytes(1_234_000_000_000_000, 'en')).toBe('1,234 TB');
  });
  it('reads the same units in Chinese, with 秒 for speeds', () => {
    expect(formatBytes(1_530_000, 'zh-CN')).toBe('1.5 MB');
    expect(formatSpeed(400_000, 'en')).toBe('400 kB/s');
    expect(formatSpeed(400_000, 'zh-CN')).toBe('400 kB/秒');
    expect(formatSpeed(2_500_000, 'zh-CN')).toBe('2.5 MB/秒');
  });
});

describe('time', () => {
  it('says an ETA in at most two units and never "0 s left"', () => {
    expect(formatEta(0, 'en')).toBe('1 s left');
    expect(formatEta(8.2, 'en')).toBe('9 s left');
    expect(formatEta(125, 'en')).toBe('2 min 5 s left');
    expect(formatEta(3_720, 'en')).toBe('1 h 2 min left');
    expect(formatEta(125, 'zh-CN')).toBe('剩余2分5秒');
    expect(formatEta(7_200, 'zh-CN')).toBe('剩余2小时');
  });
  it('spells spans without a trailing zero unit', () => {
    expect(formatSpan(60, 'en')).toBe('1 min');
    expect(formatSpan(45, 'zh-CN')).toBe('45秒');
    expect(formatSpan(3_600, 'en')).toBe('1 h');
  });
  it('shows a video length as a clock in both languages', () => {
    expect(formatDuration(7)).toBe('0:07');
    expect(formatDuration(245.4)).toBe('4:05');
    expect(formatDuration(3_723)).toBe('1:02:03');
  });
  it('gives today as a clock time and another day with its date', () => {
    const now = new Date(2026, 10, 29, 18, 0, 0);
    const today = new Date(2026, 10, 29, 9, 5, 7).toISOString();
    expect(formatMoment(today, 'en', now)).toBe('9:05:07 AM');
    expect(formatMoment(today, 'zh-CN', now)).toBe('09:05:07');
    const earlier = new Date(2026, 10, 2, 9, 5, 7).toISOString();
    expect(formatMoment(earlier, 'en', now)).toMatch(/^Nov 2, 2026, 9:05\sAM$/);
    expect(formatMoment(earlier, 'zh-CN', now)).toBe('2026年11月2日 09:05');
  });
  it('shows percentages the local way', () => {
    expect(formatPercent(42.4, 'en')).toBe('42%');
    expect(formatPercent(100, 'zh-CN')).toBe('100%');
  });
});
