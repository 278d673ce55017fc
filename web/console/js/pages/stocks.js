// Placeholder until the 商家券批次 page lands (branch console-cards replaces this file).
import { h } from '../dom.js'

export default {
  id: 'stocks',
  title: '商家券批次',
  roles: ['admin'],
  render (root) {
    root.appendChild(h('h1', {}, '商家券批次'))
    root.appendChild(h('p', { class: 'muted', 'data-testid': 'placeholder' }, '建设中'))
  }
}
