import { describe, expect, it } from "vitest";
import { Mutex } from "./mutex.js";

describe("Mutex", () => {
  it("admits one holder at a time, in call order", async () => {
    const mutex = new Mutex();
    const events: string[] = [];
    const hold = async (name: string, ms: number) => {
      const release = await mutex.acquire();
      events.push(`+${name}`);
      await new Promise((resolve) => setTimeout(resolve, ms));
      events.push(`-${name}`);
      release();
    };
    await Promise.all([hold("a", 20), hold("b", 1), hold("c", 5)]);
    expect(events).toEqual(["+a", "-a", "+b", "-b", "+c", "-c"]);
  });

  it("ignores a second release of the same hold", async () => {
    const mutex = new Mutex();
    const first = await mutex.acquire();
    first();
    const second = await mutex.acquire();
    first();
    let thirdIn = false;
    const third = mutex.acquire().then((release) => {
      thirdIn = true;
      release();
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(thirdIn).toBe(false);
    second();
    await third;
    expect(thirdIn).toBe(true);
  });
});
