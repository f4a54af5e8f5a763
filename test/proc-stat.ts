/** Reading /proc/<pid>/stat (and task/<tid>/stat) lines in tests. */

/** proc(5) fields the tests read: 19 nice, 40 rt_priority, 41 policy. */
export const STAT = { NICE: 19, RT_PRIORITY: 40, POLICY: 41 } as const;
/** sched(7) policies as field 41 shows them. */
export const SCHED_OTHER = 0;
export const SCHED_RR = 2;

/**
 * A numeric field of a stat line by its number in proc(5). The command name (field 2) is in
 * parentheses and may hold spaces or ')': fields are counted from after the last ')'.
 */
export function statField(stat: string, n: number): number {
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[n - 3]);
}
