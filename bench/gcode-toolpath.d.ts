// Types for the parts of gcode-toolpath (no bundled types) the benchmark uses.
declare module 'gcode-toolpath' {
  interface ToolpathPoint {
    x: number;
    y: number;
    z: number;
  }
  interface ToolpathModal {
    motion: string;
    [key: string]: unknown;
  }
  interface ToolpathOptions {
    position?: Partial<ToolpathPoint>;
    addLine?: (modal: ToolpathModal, v1: ToolpathPoint, v2: ToolpathPoint) => void;
    addArcCurve?: (
      modal: ToolpathModal,
      v1: ToolpathPoint,
      v2: ToolpathPoint,
      v0: ToolpathPoint,
    ) => void;
  }
  export default class Toolpath {
    constructor(options?: ToolpathOptions);
    loadFromStringSync(text: string, callback?: (line: unknown, index: number) => void): unknown;
    getPosition(): ToolpathPoint;
  }
}
