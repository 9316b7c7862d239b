/** The Chromium flags measured to work on these machines (design.md). */
declare const chromiumFlags: string[];
export = chromiumFlags;
