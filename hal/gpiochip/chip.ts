// Finding the GPIO controller's number base in sysfs. Since Linux 6.6 the sysfs GPIO numbers
// of a controller start at its dynamically assigned base (512 on a Pi 4, 571 for the RP1 of
// a Pi 5 on Bookworm) instead of 0, so header GPIO 17 is sysfs number base + 17. The base
// is read from /sys/class/gpio/gpiochipN/base, the controller picked by its label.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface GpioChipInfo {
  /** Directory name, e.g. gpiochip571. */
  name: string;
  label: string;
  base: number;
  ngpio: number;
}

/** Labels of Raspberry Pi header controllers, preferred when the board names none. */
export const PI_HEADER_LABELS = ['pinctrl-rp1', 'pinctrl-bcm2711', 'pinctrl-bcm2835'];

/** Reads every gpiochip under a sysfs GPIO root (default /sys/class/gpio). */
export async function listGpioChips(sysfsRoot: string): Promise<GpioChipInfo[]> {
  const names = (await readdir(sysfsRoot)).filter((n) => /^gpiochip\d+$/.test(n));
  const chips: GpioChipInfo[] = [];
  for (const name of names) {
    const read = async (file: string): Promise<string> =>
      (await readFile(join(sysfsRoot, name, file), 'utf8')).trim();
    chips.push({
      name,
      label: await read('label'),
      base: Number(await read('base')),
      ngpio: Number(await read('ngpio')),
    });
  }
  return chips.sort((a, b) => a.base - b.base);
}

/**
 * The controller to use: the one labelled chipLabel; without a label, a known Pi header
 * controller, else the only chip. Throws a clear error listing what was found otherwise.
 */
export function pickGpioChip(chips: GpioChipInfo[], chipLabel: string | undefined): GpioChipInfo {
  const found = chips.map((c) => `${c.name} "${c.label}" base ${c.base}`).join(', ') || 'none';
  if (chipLabel !== undefined) {
    const chip = chips.find((c) => c.label === chipLabel);
    if (chip === undefined)
      throw new Error(`no GPIO controller labelled "${chipLabel}" (found: ${found})`);
    return chip;
  }
  const known = chips.find((c) => PI_HEADER_LABELS.includes(c.label));
  if (known !== undefined) return known;
  if (chips.length === 1) return chips[0];
  throw new Error(`several GPIO controllers and no options.chipLabel to choose (found: ${found})`);
}
