// Buttons that show only an icon: named for screen readers, with a tooltip (and its shortcut)
// on hover and on keyboard focus.
import * as Tooltip from '@radix-ui/react-tooltip';
import type { ButtonHTMLAttributes, ReactNode } from 'react';

export const TooltipProvider = Tooltip.Provider;

export function IconButton({
  label,
  shortcut,
  side = 'right',
  children,
  className,
  ...rest
}: {
  label: string;
  shortcut?: string;
  side?: 'top' | 'right' | 'bottom' | 'left';
  children: ReactNode;
} & ButtonHTMLAttributes<HTMLButtonElement>) {
  return (
    <Tooltip.Root>
      <Tooltip.Trigger asChild>
        <button
          type="button"
          aria-label={label}
          aria-keyshortcuts={shortcut?.replace('Ctrl', 'Control')}
          className={`icon-button${className ? ` ${className}` : ''}`}
          {...rest}
        >
          {children}
        </button>
      </Tooltip.Trigger>
      <Tooltip.Portal>
        <Tooltip.Content className="tooltip" side={side} sideOffset={6}>
          {label}
          {shortcut && <kbd>{shortcut}</kbd>}
        </Tooltip.Content>
      </Tooltip.Portal>
    </Tooltip.Root>
  );
}
